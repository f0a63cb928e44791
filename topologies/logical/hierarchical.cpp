// Hierarchical ring: n = M machines x g ranks per machine (g = --per-node). Ranks of a machine
// form an inner ring; the first rank of each machine (its leader, rank m*g) is also on an outer
// ring of leaders. Leaders have degree up to 4, others 2: Metropolis-Hastings weights.
#include "topologies/logical/registry.h"

#include <stdexcept>

namespace dtsim::logical {
namespace {

void ring_of(const std::vector<int>& members, std::vector<std::pair<int, int>>& pairs) {
  const auto m = members.size();
  for (std::size_t i = 0; m > 1 && i < m; ++i) pairs.emplace_back(members[i], members[(i + 1) % m]);
}

Topology make_hierarchical(int n, const Params& params) {
  const int g = params.per_node;
  if (g < 1 || n % g != 0)
    throw std::invalid_argument("hierarchical: --per-node G (ranks per machine) must be a positive "
                                "divisor of " + std::to_string(n) + " ranks, got " +
                                std::to_string(g));
  std::vector<std::pair<int, int>> pairs;
  std::vector<int> leaders;
  for (int m = 0; m < n / g; ++m) {
    std::vector<int> machine;
    for (int l = 0; l < g; ++l) machine.push_back(m * g + l);
    ring_of(machine, pairs);
    leaders.push_back(m * g);
  }
  ring_of(leaders, pairs);
  return from_arcs("hierarchical", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_hierarchical = register_topology(
    {"hierarchical", "ring inside each machine of G ranks, ring of machine leaders (rank m*G)",
     {per_node_option()}, &make_hierarchical});

}  // namespace
}  // namespace dtsim::logical
