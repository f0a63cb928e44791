// Recursive doubling allreduce (short messages; MPICH, SMPI "rdb"): lg p steps, in step k each rank
// exchanges its whole vector with rank XOR 2^k and adds. For p = 2^k: lg p (alpha + n beta).
// Otherwise the extra ranks fold in and out first (fold.h): (floor(lg p) + 2)(alpha + n beta).
// Both partners add the same two vectors (a + b = b + a exactly), so every rank ends bit-identical.
// One pairwise exchange per step: the fast fidelity is the same as step.
#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/fold.h"

namespace dtsim {
namespace {

class RecursiveDoublingAllreduce : public Collective {
 public:
  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    if (group.size() == 1) return;
    const Fold fold(group, ctx.rank());
    fold.fold_in(ctx, group, data);
    if (fold.folded >= 0) {
      const Chunks whole(data, 1);
      for (int mask = 1; mask < fold.p2; mask *= 2) {
        const int peer = group[fold.member_index(fold.folded ^ mask)];
        auto incoming = ctx.irecv(peer);
        auto outgoing = ctx.isend(peer, data);
        Message other = ctx.wait(incoming);
        ctx.wait(outgoing);
        whole.accumulate(data, 0, other);
      }
    }
    fold.fold_out(ctx, group, data);
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    if (p == 1) return 0;
    const int k = floor_log2(p);
    const bool fold = (1 << k) != p;
    return (k + (fold ? 2 : 0)) * (alpha + n * beta);
  }
};

const bool registered_recursive_doubling_allreduce = CollectiveRegistry::add(
    {"recursive_doubling", "recursive doubling: lg p exchanges of the whole vector (MPICH, short messages)", {}},
    [](const OptionValues&) { return std::make_unique<RecursiveDoublingAllreduce>(); });

}  // namespace
}  // namespace dtsim
