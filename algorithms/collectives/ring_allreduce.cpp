// Ring allreduce (Patarasuk & Yuan 2009; NCCL, Horovod, Baidu): a reduce-scatter of p-1 steps, then an
// allgather of p-1 steps; in every step each rank sends one n/p chunk to its successor and receives
// one from its predecessor. Cost: 2(p-1) alpha + 2 n (p-1)/p beta.
// Fast fidelity: each phase is one flow of n(p-1)/p bytes to the successor plus (p-2) alpha waited,
// so the same cost with 2 messages per rank instead of 2(p-1).
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
    auto phase = [&](double bytes) {
      auto incoming = ctx.irecv(prev);
      auto outgoing = ctx.isend(next, Message{bytes, {}});
      ctx.wait(incoming);
      ctx.wait(outgoing);
      fast::latency_wait(ctx, hidden);
    };
    // Chunk sizes in O(1): building a Chunks of p parts on every rank would cost O(p^2) per allreduce.
    phase(data.bytes - Chunks::chunk_bytes(data, p, me));  // reduce-scatter: all chunks but its own
    auto meeting = fast::meet(ctx, group, std::move(data.values));
    data.values = meeting->sum();
    phase(data.bytes - Chunks::chunk_bytes(data, p, (me + 1) % p));  // allgather: all but the successor's
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return 2.0 * (p - 1) * alpha + 2.0 * n * (p - 1) / p * beta;
  }
};

const bool registered = CollectiveRegistry::add(
    {"ring", "ring reduce-scatter + allgather (Patarasuk & Yuan 2009; NCCL, Horovod)", {}},
    [](const OptionValues&) { return std::make_unique<RingAllreduce>(); });

}  // namespace
}  // namespace dtsim
