#pragma once
// The index type, without Eigen, for headers that nvcc also compiles.
#include <cstddef>

namespace dtsim::kernels {
using Index = std::ptrdiff_t;  // equal to Eigen::Index (checked in types.h)
}
