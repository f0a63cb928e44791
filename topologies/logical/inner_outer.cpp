#include "topologies/logical/inner_outer.h"

#include <numeric>
#include <stdexcept>

namespace dtsim::logical {
namespace {

// Round k's arcs: the outgoing rank's cross-machine arc, the inner ring's shifted arcs.
Arcs round_arcs(int machines, int g, long long k, const InnerOuterHops& hops) {
  Arcs arcs;
  const int out = static_cast<int>(k % g);
  const int members = g - 1;  // the inner ring, without the outgoing rank
  for (int m = 0; m < machines; ++m) {
    if (machines > 1) {
      const long long hop = hops.outer(k, machines);
      arcs.emplace_back(m * g + out, static_cast<int>((m + hop) % machines) * g + out);
    }
    if (members < 2) continue;
    const long long hop = hops.inner(k, members);
    for (int position = 0; position < members; ++position) {  // member position p is local rank o + 1 + p
      const int from = (out + 1 + position) % g;
      const int to = (out + 1 + static_cast<int>((position + hop) % members)) % g;
      arcs.emplace_back(m * g + from, m * g + to);
    }
  }
  return arcs;
}

}  // namespace

Topology make_inner_outer(const std::string& name, int n, const Params& params, const InnerOuterHops& hops) {
  const int g = params.per_node;
  if (g < 1 || n % g != 0)
    throw std::invalid_argument(name + ": --per-node G (ranks per machine) must be a positive divisor of " +
                                std::to_string(n) + " ranks, got " + std::to_string(g));
  const int machines = n / g;
  const long long period = std::lcm(std::lcm(static_cast<long long>(g), static_cast<long long>(hops.outer_period)),
                                    static_cast<long long>(hops.inner_period));
  if (period * n > (1LL << 24))
    throw std::invalid_argument(name + ": a period of " + std::to_string(period) + " rounds on " +
                                std::to_string(n) + " ranks is too many graphs to hold");
  std::vector<Graph> rounds;
  for (long long k = 0; k < period; ++k)
    rounds.push_back(weigh(n, normalized(n, round_arcs(machines, g, k, hops)), params.weighting));
  const Weighting w = params.weighting == Weighting::Default ? Weighting::Uniform : params.weighting;
  return Topology(name, std::move(rounds), w);
}

}  // namespace dtsim::logical
