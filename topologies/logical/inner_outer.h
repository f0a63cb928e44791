#pragma once
// BlueFog's inner-outer dynamic schedules (Ying et al., "BlueFog: Make Decentralized Algorithms
// Practical for Optimization and Deep Learning", 2021; topology_util's
// GetInnerOuterRingDynamicSendRecvRanks / GetInnerOuterExpo2DynamicSendRecvRanks), machine-aware
// one-peer graphs: n = M machines x g ranks per machine, ranks machine-major (rank = m g + l).
//
// In round k the local rank o = k mod g of every machine is the machine's one outgoing rank: it sends
// to local rank o of machine m + D (mod M) and receives from machine m - D. The other g - 1 ranks of
// the machine form a ring that skips o (o+1, o+2, ..., o+g-1 mod g) and each sends to the member d
// places further on it. So every rank sends to exactly one peer and receives from exactly one (or, with
// no peer at all, keeps its value): W(k) = (I + Q(k)) / 2 with Q(k) a permutation matrix, doubly
// stochastic in every round, and exactly one flow leaves each machine per round.
#include <functional>
#include <string>

#include "topologies/logical/registry.h"

namespace dtsim::logical {

// Outer hop D(k) and inner hop d(k), given how many machines and ring members there are.
struct InnerOuterHops {
  int outer_period = 1;                                   // rounds before D repeats
  int inner_period = 1;                                   // rounds before d repeats
  std::function<long long(long long k, int machines)> outer;  // D(k), 1 <= D < M (M >= 2)
  std::function<long long(long long k, int members)> inner;   // d(k), 1 <= d < g - 1 (g - 1 >= 2)
};

// The topology over n ranks with g = params.per_node (must divide n), weighted by params.weighting
// (default uniform: 1/2 for the one peer, as BlueFog's examples set 1/(|recv| + 1); Metropolis gives
// the same where it applies), the period lcm(g, outer_period, inner_period). Throws std::invalid_argument naming
// `name` on a bad g or an excessively long period.
Topology make_inner_outer(const std::string& name, int n, const Params& params, const InnerOuterHops& hops);

}  // namespace dtsim::logical
