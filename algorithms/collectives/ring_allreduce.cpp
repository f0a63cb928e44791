// Ring allreduce (Patarasuk & Yuan 2009; NCCL, Horovod, Baidu): a reduce-scatter of p-1 steps, then an
// allgather of p-1 steps; in every step each rank sends one n/p chunk to its successor and receives
// one from its predecessor. Cost: 2(p-1) alpha + 2 n (p-1)/p beta.
#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"

namespace dtsim {
namespace {

class RingAllreduce : public Collective {
 public:
  void allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    const int me = index_in_group(group, ctx.rank());
    const int next = group[(me + 1) % p];
    const int prev = group[(me + p - 1) % p];
    const Chunks chunks(data, p);
    auto step = [&](int send_chunk, int recv_chunk, bool reduce) {
      auto incoming = ctx.irecv(prev);
      auto outgoing = ctx.isend(next, chunks.extract(data, send_chunk));
      Message part = ctx.wait(incoming);
      ctx.wait(outgoing);
      if (reduce) chunks.accumulate(data, recv_chunk, part);
      else chunks.assign(data, recv_chunk, part);
    };
    for (int s = 0; s < p - 1; ++s)  // reduce-scatter: rank me ends owning chunk (me + 1) mod p
      step((me - s + p) % p, (me - s - 1 + 2 * p) % p, true);
    for (int s = 0; s < p - 1; ++s)  // allgather: pass the reduced chunks around
      step((me - s + 1 + p) % p, (me - s + p) % p, false);
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return 2.0 * (p - 1) * alpha + 2.0 * n * (p - 1) / p * beta;
  }
};

const bool registered = CollectiveRegistry::add("ring", [] { return std::make_unique<RingAllreduce>(); });

}  // namespace
}  // namespace dtsim
