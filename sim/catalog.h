// The GPU and model catalog (scenarios/catalog.json, compiled in).
#pragma once
#include <nlohmann/json.hpp>

namespace dtsim {
const nlohmann::json& catalog();
}  // namespace dtsim
