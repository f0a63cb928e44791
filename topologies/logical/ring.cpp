// Ring: rank i talks to i-1 and i+1 (mod n). With the default weights W = circ(1/3, 1/3, 1/3),
// rho = 1/3 + (2/3) cos(2 pi / n) for n >= 3.
#include "topologies/logical/registry.h"

namespace dtsim::logical {
namespace {

Topology make_ring(int n, const Params& params) {
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n && n > 1; ++i) pairs.emplace_back(i, (i + 1) % n);
  return from_arcs("ring", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_ring =
    register_topology({"ring", "rank i talks to i-1 and i+1 (mod n); degree 2", {}, &make_ring});

}  // namespace
}  // namespace dtsim::logical
