// BlueFog's inner-outer ring graph (GetInnerOuterRingDynamicSendRecvRanks; Ying et al., "BlueFog",
// 2021): in round k the outgoing rank k mod g sends to the same local rank on the next machine, the
// other g - 1 ranks to the next member of their ring (see inner_outer.h). Period g.
#include "topologies/logical/inner_outer.h"

namespace dtsim::logical {
namespace {

Topology make_inner_outer_ring(int n, const Params& params) {
  InnerOuterHops hops;
  hops.outer = [](long long, int) { return 1LL; };
  hops.inner = [](long long, int) { return 1LL; };
  return make_inner_outer("inner_outer_ring", n, params, hops);
}

[[maybe_unused]] const bool registered_inner_outer_ring = register_topology(
    {"inner_outer_ring",
     "time-varying, machine-aware (BlueFog): rank k mod G of each machine sends to the next machine, the others "
     "to the next rank of their ring inside the machine",
     {per_node_option()}, &make_inner_outer_ring});

}  // namespace
}  // namespace dtsim::logical
