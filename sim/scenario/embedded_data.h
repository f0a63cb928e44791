// Data files compiled into the binary (see sim/CMakeLists.txt) so dtsim runs from any directory.
#pragma once

namespace dtsim::embedded {
const char* catalog_json();
}  // namespace dtsim::embedded
