// Rabenseifner's allreduce (recursive halving reduce-scatter, then recursive doubling allgather;
// Thakur, Rabenseifner & Gropp 2005; MPICH, SMPI "rab_rdb"). For p = 2^k:
//   2 lg p alpha + 2 n (p-1)/p beta.
// Otherwise p' = 2^floor(lg p); the p - p' extra ranks hand their vector to a partner first and get
// the result back at the end (fold.h):
//   (2 floor(lg p) + 2) alpha + (2 (p'-1)/p' + 2) n beta.
// Each step is one pairwise exchange, so the fast fidelity is the same as step.
#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/fold.h"

namespace dtsim {
namespace {

class RabenseifnerAllreduce : public Collective {
 public:
  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    if (group.size() == 1) return;
    const Fold fold(group, ctx.rank());
    fold.fold_in(ctx, group, data);
    if (fold.folded >= 0) {
      const int q = fold.p2, f = fold.folded;
      const Chunks chunks(data, q);
      auto exchange = [&](int partner_f, int send_first, int recv_first, int count, bool reduce) {
        const int peer = group[fold.member_index(partner_f)];
        auto incoming = ctx.irecv(peer);
        auto outgoing = ctx.isend(peer, chunks.extract_range(data, send_first, count));
        Message part = ctx.wait(incoming);
        ctx.wait(outgoing);
        if (reduce) chunks.accumulate_range(data, recv_first, count, part);
        else chunks.assign_range(data, recv_first, count, part);
      };
      // Recursive halving: keep the half of the current range on this rank's side of bit `mask`.
      int lo = 0, size = q;
      for (int mask = q / 2; mask > 0; mask /= 2) {
        const int half = size / 2;
        const bool lower = (f & mask) == 0;
        const int keep = lower ? lo : lo + half, give = lower ? lo + half : lo;
        exchange(f ^ mask, give, keep, half, true);
        lo = keep;
        size = half;
      }
      // Now chunk f holds the total. Recursive doubling: swap owned blocks of growing size.
      for (int mask = 1; mask < q; mask *= 2) {
        const int mine = f & ~(mask - 1), theirs = (f ^ mask) & ~(mask - 1);
        exchange(f ^ mask, mine, theirs, mask, false);
      }
    }
    fold.fold_out(ctx, group, data);
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    if (p == 1) return 0;
    const int k = floor_log2(p);
    const double q = 1 << k;
    const bool fold = (1 << k) != p;
    return (2 * k + (fold ? 2 : 0)) * alpha + (2 * (q - 1) / q + (fold ? 2 : 0)) * n * beta;
  }
};

const bool registered_rabenseifner_allreduce =
    CollectiveRegistry::add(
        {"rabenseifner", "recursive halving reduce-scatter + doubling allgather (Thakur, Rabenseifner & Gropp 2005)", {}},
        [](const OptionValues&) { return std::make_unique<RabenseifnerAllreduce>(); });

}  // namespace
}  // namespace dtsim
