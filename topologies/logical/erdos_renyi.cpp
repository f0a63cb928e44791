// Erdos-Renyi G(n, p): each pair {i, j} is linked with probability p, drawn in the order
// (0,1), (0,2), ..., (n-2,n-1) from mt19937_64(seed), so a seed gives the same graph everywhere.
// The graph may be disconnected (then rho = 1 and the diameter is infinite). Metropolis weights.
#include "topologies/logical/random.h"
#include "topologies/logical/registry.h"

#include <limits>
#include <stdexcept>

namespace dtsim::logical {
namespace {

Topology make_erdos_renyi(int n, const Params& params) {
  if (!(params.p >= 0.0 && params.p <= 1.0))
    throw std::invalid_argument("erdos_renyi: --p must be in [0, 1], got " +
                                std::to_string(params.p));
  std::mt19937_64 gen(params.seed);
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      if (uniform01(gen) < params.p) pairs.emplace_back(i, j);
  return from_arcs("erdos_renyi", n, undirected(n, pairs), params.weighting);
}

[[maybe_unused]] const bool registered_erdos_renyi = register_topology(
    {"erdos_renyi", "random graph: each pair linked with probability p (seeded)", {Option::number("p", 0.5, 0, false, 1, "link probability"),
      Option::integer("seed", std::nullopt, 0, std::numeric_limits<std::int64_t>::max(), "random stream")
          .default_from([](const OptionContext& c) { return json(c.seed); }, "the scenario seed")},
     &make_erdos_renyi});

}  // namespace
}  // namespace dtsim::logical
