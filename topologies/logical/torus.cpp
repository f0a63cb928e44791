// 2-D torus: the grid with wrap-around in both directions. For k x k, k >= 3, every rank has
// degree 4, W has weights 1/5 and rho = (3 + 2 cos(2 pi / k)) / 5 for k >= 4.
// A dimension of 2 gives one neighbour along it (i+1 = i-1), a dimension of 1 none.
#include "topologies/logical/grid_shape.h"
#include "topologies/logical/registry.h"

namespace dtsim::logical {
namespace {

Topology make_torus(int n, const Params& params) {
  const auto [rows, cols] = grid_shape(n, params.rows);
  std::vector<std::pair<int, int>> pairs;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      pairs.emplace_back(r * cols + c, r * cols + (c + 1) % cols);
      pairs.emplace_back(r * cols + c, ((r + 1) % rows) * cols + c);
    }
  return from_arcs("torus", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_torus = register_topology(
    {"torus", "2-D torus rows x cols (grid with wrap-around); degree 4", {rows_option()}, &make_torus});

}  // namespace
}  // namespace dtsim::logical
