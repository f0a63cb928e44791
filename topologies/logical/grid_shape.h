#pragma once
// Rows x columns for the 2-D grid and torus.
#include <utility>

namespace dtsim::logical {

// rows > 0: that many rows (must divide n). rows == 0: the largest divisor of n that is at most
// sqrt(n) (k x k for n = k^2; 1 x n for a prime n). Throws std::invalid_argument otherwise.
std::pair<int, int> grid_shape(int n, int rows);

}  // namespace dtsim::logical
