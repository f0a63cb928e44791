#include "topologies/logical/grid_shape.h"

#include <stdexcept>
#include <string>

namespace dtsim::logical {

std::pair<int, int> grid_shape(int n, int rows) {
  if (rows < 0 || (rows > 0 && n % rows != 0))
    throw std::invalid_argument("--rows " + std::to_string(rows) + " must be a positive divisor of " +
                                std::to_string(n) + " ranks");
  if (rows == 0)
    for (int r = 1; static_cast<long long>(r) * r <= n; ++r)
      if (n % r == 0) rows = r;
  return {rows, n / rows};
}

}  // namespace dtsim::logical
