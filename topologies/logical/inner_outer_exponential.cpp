// BlueFog's inner-outer exponential-2 graph (GetInnerOuterExpo2DynamicSendRecvRanks; Ying et al.,
// "BlueFog", 2021; the one-peer exponential schedule of Ying et al., "Exponential Graph is Provably
// Efficient for Decentralized Deep Training", NeurIPS 2021, applied across and inside machines): in
// round k the outgoing rank k mod g talks to the machine 2^(k mod ceil(log2 M)) further on, the other
// g - 1 ranks to the member 2^(k mod ceil(log2(g-1))) further on their ring (see inner_outer.h).
// One cross-machine flow per machine per round, against up to g for the rank-level one-peer graph.
#include "topologies/logical/bits.h"
#include "topologies/logical/inner_outer.h"

namespace dtsim::logical {
namespace {

Topology make_inner_outer_exponential(int n, const Params& params) {
  InnerOuterHops hops;
  const int g = params.per_node > 0 ? params.per_node : 1;
  hops.outer_period = std::max(1, ceil_log2(n / g));
  hops.inner_period = std::max(1, ceil_log2(g - 1));
  hops.outer = [](long long k, int machines) { return 1LL << (k % ceil_log2(machines)); };
  hops.inner = [](long long k, int members) { return 1LL << (k % ceil_log2(members)); };
  return make_inner_outer("inner_outer_exponential", n, params, hops);
}

[[maybe_unused]] const bool registered_inner_outer_exponential = register_topology(
    {"inner_outer_exponential",
     "time-varying, machine-aware (BlueFog): rank k mod G of each machine sends to the machine 2^j further on, "
     "the others one-peer exponential inside the machine",
     {per_node_option()}, &make_inner_outer_exponential});

}  // namespace
}  // namespace dtsim::logical
