// A scenario as the engine will run it: read (sim/scenario/), then checked by the plugins it names
// (the training algorithm and the physical topology validate the scenario against their options).
// Every command and test that takes a scenario goes through here.
#pragma once
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace dtsim {

// Reads and validates; never throws on bad content (errors are returned).
ScenarioResult parse_scenario(const nlohmann::json& document);
// Reads FILE, applies "--set /pointer=value" overrides, then parses.
ScenarioResult load_scenario(const std::string& file, const std::vector<std::string>& overrides = {});

}  // namespace dtsim
