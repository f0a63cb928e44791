// The scenario's JSON Schema (Draft 2020-12), generated from the declarations the reader itself uses
// (sim/scenario/scenario.cpp and the plugins' registered options), so the two cannot drift apart.
// `dtsim schema` prints it; scenarios/scenario.schema.json is that output, checked by a test.
#pragma once
#include <nlohmann/json.hpp>

namespace dtsim {

nlohmann::json scenario_schema();

}  // namespace dtsim
