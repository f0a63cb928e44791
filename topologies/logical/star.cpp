// Star: rank 0 is the centre and talks to every other rank; leaves talk only to the centre.
// Metropolis-Hastings weights: centre-leaf 1/n, so W is doubly stochastic and rho = 1 - 1/n.
#include "topologies/logical/registry.h"

namespace dtsim::logical {
namespace {

Topology make_star(int n, const Params& params) {
  std::vector<std::pair<int, int>> pairs;
  for (int i = 1; i < n; ++i) pairs.emplace_back(0, i);
  return from_arcs("star", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_star = register_topology(
    {"star", "rank 0 talks to every rank; degree n-1 at the centre, 1 elsewhere", {}, &make_star});

}  // namespace
}  // namespace dtsim::logical
