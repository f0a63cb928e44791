// Ring allreduce (Patarasuk & Yuan 2009; NCCL, Horovod, Baidu): a reduce-scatter of p-1 steps, then an
// allgather of p-1 steps; in every step each rank sends one n/p chunk to its successor and receives
// one from its predecessor. Cost: 2(p-1) alpha + 2 n (p-1)/p beta.
// Fast fidelity: each phase is one flow of n(p-1)/p bytes to the successor plus (p-2) alpha waited,
// so the same cost with 2 messages per rank instead of 2(p-1). Each phase ends in a meeting: no member
// has its last chunk before the slowest hop delivered it (on machines of several GPUs the GPUs whose
// flows cross only NVLink would otherwise leave a whole phase early). Where the ring's flows never contend
// (fast::ring_sends_one_flow) both phases are one flow and one meeting, the same time again.
#include <utility>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/fast.h"
#include "algorithms/collectives/operations.h"

namespace dtsim {
namespace {

class RingAllreduce : public Collective {
 public:
  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    if (fidelity(ctx) == Fidelity::Step) {
      reduce_scatter_ring(ctx, group, data, Fidelity::Step);  // member i owns chunk i
      allgather_ring(ctx, group, data, Fidelity::Step);
      return;
    }
    const int me = index_in_group(group, ctx.rank());
    const int next = group[(me + 1) % p];
    const int prev = group[(me + p - 1) % p];
    const double latency = fast::route_latency(ctx, ctx.rank(), next);
    const double hidden = (p - 2) * latency;
    // Chunk sizes in O(1): building a Chunks of p parts on every rank would cost O(p^2) per allreduce.
    const double scattered = data.bytes - Chunks::chunk_bytes(data, p, me);           // all chunks but its own
    const double gathered = data.bytes - Chunks::chunk_bytes(data, p, (me + 1) % p);  // all but the successor's
    if (fast::ring_sends_one_flow(ctx, group)) {
      // Flows that start together and never contend: one flow of both phases' bytes, its one route
      // latency plus the 2p - 3 others waited, then one meeting; the same times as the two phases.
      fast::ring_flows(ctx, next, prev, scattered + gathered);
      auto meeting = fast::meet_after(ctx, group, std::move(data.values), (2 * p - 3) * latency);
      data.values = meeting->sum();
      return;
    }
    fast::ring_flows(ctx, next, prev, scattered);  // reduce-scatter
    // Its latency wait and the meeting in one blocking call (the same times: fast::meet_after).
    auto meeting = fast::meet_after(ctx, group, std::move(data.values), hidden);
    data.values = meeting->sum();
    fast::ring_flows(ctx, next, prev, gathered);  // allgather
    fast::meet_after(ctx, group, {}, hidden);  // leave together: no member has its last chunk before the slowest hop delivered
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return 2.0 * (p - 1) * alpha + 2.0 * n * (p - 1) / p * beta;
  }

  std::string analytic_blocker(const CostModel& m) const override {
    if (m.gpus_per_node > 1)
      return "a flat ring on machines of several GPUs mixes intra-node and NIC hops (use \"hierarchical\")";
    return "";
  }

  // What fast gives where analytic applies (the flows never contend: one flow per rank, then one
  // meeting), with uneven chunks (the first units % p chunks one unit larger): every member leaves when
  // the largest flow has ended, 2n minus the smallest sum of two neighbouring chunks, the last two.
  double analytic_time(const CostModel& m, const Message& data, int) const override {
    const int p = m.p;
    const double smallest_pair = Chunks::chunk_bytes(data, p, p - 2) + Chunks::chunk_bytes(data, p, p - 1);
    return 2.0 * (p - 1) * m.alpha + (2 * data.bytes - smallest_pair) * m.beta;
  }
};

const bool registered_ring_allreduce = CollectiveRegistry::add(
    {"ring", "ring reduce-scatter + allgather (Patarasuk & Yuan 2009; NCCL, Horovod)", {}},
    [](const OptionValues&) { return std::make_unique<RingAllreduce>(); });

}  // namespace
}  // namespace dtsim
