// Data files compiled into the binary (see CMakeLists.txt) so dtsim runs from any directory.
#pragma once

namespace dtsim::embedded {
const char* catalog_json();
const char* scenario_schema_json();
}  // namespace dtsim::embedded
