// Hypercube: n = 2^d ranks; rank i talks to i XOR 2^k for k < d. Degree d, weights 1/(d+1).
#include "topologies/logical/bits.h"
#include "topologies/logical/registry.h"

#include <stdexcept>

namespace dtsim::logical {
namespace {

Topology make_hypercube(int n, const Params& params) {
  if (!is_power_of_two(n))
    throw std::invalid_argument("hypercube needs a power-of-two number of ranks, got " +
                                std::to_string(n));
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n; ++i)
    for (int bit = 1; bit < n; bit <<= 1) pairs.emplace_back(i, i ^ bit);
  return from_arcs("hypercube", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_hypercube = register_topology(
    {"hypercube", "n = 2^d; rank i talks to i XOR 2^k; degree log2 n", {}, &make_hypercube});

}  // namespace
}  // namespace dtsim::logical
