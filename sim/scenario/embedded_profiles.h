// Network profiles (scenarios/profiles/*.json) compiled into the binary (see sim/CMakeLists.txt), so
// "network.profile": "<name>" works from any directory.
#pragma once
#include <map>
#include <string>

namespace dtsim::embedded {
// name (file name without .json) -> JSON text
const std::map<std::string, std::string>& network_profiles();
}  // namespace dtsim::embedded
