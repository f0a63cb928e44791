// "allreduce": synchronous parallel SGD (seed 000): every rank computes a gradient on its own batch,
// the gradients are summed with an allreduce collective (algorithm.collective), and every rank applies
// the same averaged update — mini-batch SGD with batch p x b.
#include <numeric>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/training_algorithm.h"

namespace dtsim {
namespace {

class AllreducePsgd : public TrainingAlgorithm {
 public:
  void worker_iteration(RankContext& ctx, Workload& work) override {
    if (!collective_) {
      collective_ = CollectiveRegistry::create(ctx.scenario().algorithm.collective);
      group_.resize(ctx.size());
      std::iota(group_.begin(), group_.end(), 0);
    }
    Message gradient = work.gradient(ctx);
    collective_->allreduce(ctx, group_, gradient);
    work.apply_gradient_sum(ctx, gradient, ctx.size());
  }

 private:
  // Shared by all ranks of the run (the engine creates one algorithm object per run).
  std::unique_ptr<Collective> collective_;
  std::vector<int> group_;
};

const bool registered =
    TrainingAlgorithmRegistry::add("allreduce", [] { return std::make_unique<AllreducePsgd>(); });

}  // namespace
}  // namespace dtsim
