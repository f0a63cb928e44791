// Complete graph: every rank talks to every other; W = 11^T/n, rho = 0 (exact average in one
// round, n-1 messages per rank).
#include "topologies/logical/registry.h"

namespace dtsim::logical {
namespace {

Topology make_complete(int n, const Params& params) {
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) pairs.emplace_back(i, j);
  return from_arcs("complete", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_complete = register_topology(
    {"complete", "every rank talks to every other; degree n-1", {}, &make_complete});

}  // namespace
}  // namespace dtsim::logical
