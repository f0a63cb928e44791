// 2-D grid (no wrap-around): rank r*cols + c talks to its up/down/left/right neighbours.
// Degrees 2..4, so the default weights are Metropolis-Hastings.
#include "topologies/logical/grid_shape.h"
#include "topologies/logical/registry.h"

namespace dtsim::logical {
namespace {

Topology make_grid(int n, const Params& params) {
  const auto [rows, cols] = grid_shape(n, params.rows);
  std::vector<std::pair<int, int>> pairs;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      if (c + 1 < cols) pairs.emplace_back(r * cols + c, r * cols + c + 1);
      if (r + 1 < rows) pairs.emplace_back(r * cols + c, (r + 1) * cols + c);
    }
  return from_arcs("grid", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_grid = register_topology(
    {"grid", "2-D grid rows x cols without wrap-around; degree 2..4", {rows_option()}, &make_grid});

}  // namespace
}  // namespace dtsim::logical
