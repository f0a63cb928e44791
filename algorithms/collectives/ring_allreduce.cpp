// Ring allreduce (Patarasuk & Yuan 2009; NCCL, Horovod, Baidu): a reduce-scatter of p-1 steps, then an
// allgather of p-1 steps; in every step each rank sends one n/p chunk to its successor and receives
// one from its predecessor. Cost: 2(p-1) alpha + 2 n (p-1)/p beta.
// Fast fidelity: each phase is one flow of n(p-1)/p bytes to the successor plus (p-2) alpha waited,
// so the same cost with 2 messages per rank instead of 2(p-1).
#include <algorithm>

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
    const double hidden = (p - 2) * fast::route_latency(ctx, ctx.rank(), next);
    auto flows = [&](double bytes) {
      auto incoming = ctx.irecv(prev);
      auto outgoing = ctx.isend(next, Message{bytes, {}});
      ctx.wait(incoming);
      ctx.wait(outgoing);
    };
    // Chunk sizes in O(1): building a Chunks of p parts on every rank would cost O(p^2) per allreduce.
    flows(data.bytes - Chunks::chunk_bytes(data, p, me));  // reduce-scatter: all chunks but its own
    // Its latency wait and the meeting in one blocking call (the same times: fast::meet_after).
    auto meeting = fast::meet_after(ctx, group, std::move(data.values), hidden);
    data.values = meeting->sum();
    flows(data.bytes - Chunks::chunk_bytes(data, p, (me + 1) % p));  // allgather: all but the successor's
    fast::latency_wait(ctx, hidden);
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return 2.0 * (p - 1) * alpha + 2.0 * n * (p - 1) / p * beta;
  }

  std::string analytic_blocker(const CostModel& m) const override {
    if (m.gpus_per_node > 1)
      return "a flat ring on machines of several GPUs mixes intra-node and NIC hops (use \"hierarchical\")";
    return "";
  }

  // What fast gives with uneven chunks (the first units % p chunks one unit larger): the reduce-scatter
  // ends at the meeting, after the largest flow (n minus the smallest chunk); the allgather ends for
  // `me` after the larger of its two flows, n minus the smaller of its own and its successor's chunk.
  double analytic_time(const CostModel& m, const Message& data, int me) const override {
    const int p = m.p;
    const double smallest = Chunks::chunk_bytes(data, p, p - 1);
    const double own = std::min(Chunks::chunk_bytes(data, p, me), Chunks::chunk_bytes(data, p, (me + 1) % p));
    return 2.0 * (p - 1) * m.alpha + (data.bytes - smallest) * m.beta + (data.bytes - own) * m.beta;
  }
};

const bool registered_ring_allreduce = CollectiveRegistry::add(
    {"ring", "ring reduce-scatter + allgather (Patarasuk & Yuan 2009; NCCL, Horovod)", {}},
    [](const OptionValues&) { return std::make_unique<RingAllreduce>(); });

}  // namespace
}  // namespace dtsim
