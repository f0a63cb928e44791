// The GPU and model catalog (scenarios/catalog.json, compiled in).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dtsim {
const nlohmann::json& catalog();
// The entry names of one catalog section ("gpus" or "models").
std::vector<std::string> catalog_names(const char* section);
}  // namespace dtsim
