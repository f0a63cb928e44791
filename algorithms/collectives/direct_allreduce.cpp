// Direct allreduce (each rank to all): a one-shot reduce-scatter in which every rank sends chunk j of
// its vector straight to rank j, then a one-shot allgather in which every rank sends its reduced chunk
// to every other rank. All p-1 flows of a phase leave and enter each NIC at once and share it fairly:
//   2 alpha + 2 n (p-1)/p beta  (bandwidth-optimal, latency 2 alpha; p(p-1) messages per phase).
// Chunk j is summed on rank j in group order, so every rank ends bit-identical. One message per pair
// and phase: the fast fidelity is the same as step.
#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"

namespace dtsim {
namespace {

class DirectAllreduce : public Collective {
 public:
  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    const int me = index_in_group(group, ctx.rank());
    const Chunks chunks(data, p);
    std::vector<RankContext::Request> receives, sends;
    for (int j = 0; j < p; ++j)
      if (j != me) receives.push_back(ctx.irecv(group[j]));
    for (int j = 0; j < p; ++j)
      if (j != me) sends.push_back(ctx.isend(group[j], chunks.extract(data, j)));
    std::vector<Message> parts = ctx.wait_all(receives);
    ctx.wait_all(sends);
    if (!data.values.empty()) {  // sum chunk `me` in group order
      Message sum = chunks.extract(data, me);
      std::fill(sum.values.begin(), sum.values.end(), 0.0f);
      const Message own = chunks.extract(data, me);
      const Chunks one(sum, 1);
      for (int j = 0, k = 0; j < p; ++j) one.accumulate(sum, 0, j == me ? own : parts[k++]);
      chunks.assign(data, me, sum);
    }
    for (int j = 0; j < p; ++j)
      if (j != me) receives.push_back(ctx.irecv(group[j]));
    const Message mine = chunks.extract(data, me);
    for (int j = 0; j < p; ++j)
      if (j != me) sends.push_back(ctx.isend(group[j], mine));
    parts = ctx.wait_all(receives);
    ctx.wait_all(sends);
    for (int j = 0, k = 0; j < p; ++j)
      if (j != me) chunks.assign(data, j, parts[k++]);
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    if (p == 1) return 0;
    return 2 * alpha + 2.0 * n * (p - 1) / p * beta;
  }
};

const bool registered_direct_allreduce = CollectiveRegistry::add(
    {"direct", "one-shot all-to-all reduce-scatter + allgather", {}},
    [](const OptionValues&) { return std::make_unique<DirectAllreduce>(); });

}  // namespace
}  // namespace dtsim
