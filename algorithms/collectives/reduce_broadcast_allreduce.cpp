// Reduce + broadcast through one root (group member 0): a binomial-tree reduce followed by a
// binomial-tree broadcast (MPICH's orders). Each of the ceil(lg p) rounds of either tree is one
// contention-free message of the whole vector: 2 ceil(lg p) (alpha + n beta).
// The root computes the sum once, so every rank ends bit-identical. One message per pair and phase:
// the fast fidelity is the same as step.
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/operations.h"

namespace dtsim {
namespace {

class ReduceBroadcastAllreduce : public Collective {
 public:
  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    if (group.size() == 1) return;
    reduce_binomial(ctx, group, 0, data);
    broadcast_binomial(ctx, group, 0, data);
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return reduce_binomial_time(p, n, alpha, beta) + broadcast_binomial_time(p, n, alpha, beta);
  }
};

const bool registered_reduce_broadcast_allreduce =
    CollectiveRegistry::add({"reduce_broadcast", "binomial-tree reduce to one root, then binomial-tree broadcast (MPICH)", {}},
                            [](const OptionValues&) { return std::make_unique<ReduceBroadcastAllreduce>(); });

}  // namespace
}  // namespace dtsim
