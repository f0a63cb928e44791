// "onebit_adam": 1-bit Adam (Tang et al., "1-bit Adam: Communication Efficient Large-Scale Training with
// Adam's Convergence Speed", ICML 2021; DeepSpeed's OnebitAdam).
//   Warm-up (the first `warmup_steps` steps): full-precision Adam. The gradients are summed by a dense
//     allreduce (ring, or hierarchical with `collective` "hierarchical") and every rank applies
//     workload.optimizer's Adam (kernels/optimizer.h: bias-corrected, PyTorch semantics).
//   Compression stage: Adam's second moment v is frozen at its last warm-up value (bias-corrected
//     then). Each rank updates its own momentum with its own gradient, m_i = b1 m + (1 - b1) (g_i + wd x),
//     and the m_i are averaged by the compressed allreduce of the 1-bit scaled sign
//     (compressed_allreduce.h) with error feedback at every encoding (the worker's and the "server"
//     side's, one residual per rank and chunk); every rank sets m to that average and steps
//     x -= lr (m / (1 - b1^t)) / (sqrt(v^) + eps). With warmup_steps >= the run's steps this is Adam.
// Adam's hyperparameters (lr and its schedule, beta1, beta2, eps, weight_decay) are workload.optimizer's,
// whose name must be "adam" with numerics. Timing-only runs charge the dense allreduce during the
// warm-up and the compressed one (4 + ceil(d_i / 8) bytes per chunk) after it.
#include <cmath>
#include <memory>
#include <numeric>

#include "algorithms/collectives/collective.h"
#include "algorithms/compression/compressed_allreduce.h"
#include "algorithms/compression/compressor.h"
#include "kernels/optimizer.h"
#include "sim/plugin/training_algorithm.h"

namespace dtsim {
namespace {

class OnebitAdam : public TrainingAlgorithm {
 public:
  explicit OnebitAdam(const OptionValues& o)
      : warmup_steps_(o.integer("warmup_steps")), collective_name_(o.text("collective")),
        error_feedback_(o.boolean("error_feedback")) {}

  void validate(const Scenario& s, ErrorList& errors) const override {
    if (s.workload.numerics.enabled && s.workload.numerics.replica.optimizer.kind != kernels::OptimizerKind::adam)
      errors.add("/workload/optimizer/name", "onebit_adam needs \"adam\" (its lr, beta1, beta2, eps and weight_decay "
                                             "are 1-bit Adam's)");
    if (s.workload.numerics.enabled && warmup_steps_ == 0)
      errors.add("/algorithm/warmup_steps", "0 leaves Adam's second moment unestimated (zero) when it is frozen; "
                                            "use at least 1");
    if (s.workload.fusion.overlaps())
      errors.add("/algorithm/name", "\"onebit_adam\" is not modelled with gradient fusion (workload.fusion.policy \"" +
                                        s.workload.fusion.policy + "\"); remove one of them");
  }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    const int p = ctx.size();
    if (!collective_) {
      collective_ = CollectiveRegistry::create(collective_name_);
      group_.resize(p);
      std::iota(group_.begin(), group_.end(), 0);
      CompressionSpec sign;
      sign.kind = "sign";
      sign.error_feedback = true;
      sign.collective = "compressed_allreduce";
      compressor_ = make_compressor(sign, ctx.scenario().workload.bytes_per_param);
      ranks_.resize(p);
    }
    RankState& me = ranks_[ctx.rank()];
    Message gradient = work.gradient(ctx);
    const bool numerics = !gradient.values.empty();
    if (me.steps < warmup_steps_) {  // full-precision Adam
      collective_->allreduce(ctx, group_, gradient);
      if (numerics) adam_step(ctx, work, me, gradient);
      ++me.steps;
      return;
    }
    const kernels::OptimizerSpec& o = ctx.scenario().workload.numerics.replica.optimizer;
    Message x;
    if (numerics) {
      x = work.parameters(ctx);
      if (!me.adam) me.adam = std::make_unique<kernels::Optimizer>(o, gradient.values.size(), 1);  // no warm-up
      if (me.momentum.empty()) freeze(me, o);
      const auto b1 = static_cast<float>(o.beta1), wd = static_cast<float>(o.weight_decay);
      for (std::size_t i = 0; i < gradient.values.size(); ++i)
        gradient.values[i] = b1 * me.momentum[i] + (1 - b1) * (gradient.values[i] + wd * x.values[i]);
    }
    const std::uint64_t seed = ctx.scenario().seed;
    std::vector<float>* residual = error_feedback_ ? &me.residual : nullptr;
    if (collective_name_ == "hierarchical")
      compressed_allreduce_hierarchical(ctx, group_, *compressor_, gradient, seed, ctx.sample_step(), residual,
                                        collective_->fidelity(ctx));
    else
      compressed_allreduce_ring(ctx, group_, *compressor_, gradient, seed, ctx.sample_step(), residual);
    ++me.steps;
    if (!numerics) return;
    const float inverse_p = 1.0f / static_cast<float>(p);
    const double t = static_cast<double>(me.steps);
    const auto step = static_cast<float>(work.learning_rate(ctx) / (1 - std::pow(o.beta1, t)));
    const auto eps = static_cast<float>(o.eps);
    for (std::size_t i = 0; i < x.values.size(); ++i) {
      me.momentum[i] = gradient.values[i] * inverse_p;  // the average of the ranks' momenta
      x.values[i] -= step * me.momentum[i] / (me.frozen_sqrt_v[i] + eps);
    }
    work.set_parameters(ctx, std::move(x));
  }

 private:
  struct RankState {
    std::int64_t steps = 0;                     // steps this rank has taken
    std::unique_ptr<kernels::Optimizer> adam;   // the warm-up's Adam (its m and v)
    std::vector<float> momentum;                // m after the warm-up (the ranks' average)
    std::vector<float> frozen_sqrt_v;           // sqrt(v / (1 - b2^warmup)), frozen
    std::vector<float> residual;                // error feedback of the compressed allreduce
  };

  // One Adam step with the averaged gradient sum / p (workload.optimizer's spec and schedule).
  void adam_step(RankContext& ctx, Workload& work, RankState& me, const Message& sum) {
    const kernels::OptimizerSpec& o = ctx.scenario().workload.numerics.replica.optimizer;
    if (!me.adam) me.adam = std::make_unique<kernels::Optimizer>(o, sum.values.size(), 1);
    Message x = work.parameters(ctx);
    kernels::Vector mean = Eigen::Map<const kernels::Vector>(sum.values.data(), static_cast<Eigen::Index>(sum.values.size()));
    mean /= static_cast<float>(ctx.size());
    Eigen::Map<kernels::Vector> params(x.values.data(), static_cast<Eigen::Index>(x.values.size()));
    me.adam->step(params, mean, work.learning_rate(ctx));
    work.set_parameters(ctx, std::move(x));
  }

  // End of the warm-up: keep m, freeze v (bias-corrected with the warm-up's step count).
  static void freeze(RankState& me, const kernels::OptimizerSpec& o) {
    const kernels::Vector& m = me.adam->velocity();
    const kernels::Vector& v = me.adam->second_moment();
    const double correction = me.steps > 0 ? 1 - std::pow(o.beta2, static_cast<double>(me.steps)) : 1.0;
    me.momentum.assign(m.data(), m.data() + m.size());
    me.frozen_sqrt_v.resize(static_cast<std::size_t>(v.size()));
    for (Eigen::Index i = 0; i < v.size(); ++i)
      me.frozen_sqrt_v[static_cast<std::size_t>(i)] = static_cast<float>(std::sqrt(v[i] / correction));
  }

  std::int64_t warmup_steps_;
  std::string collective_name_;
  bool error_feedback_;
  // Shared by all ranks of the run (the engine creates one algorithm object per run).
  std::unique_ptr<Collective> collective_;
  std::unique_ptr<Compressor> compressor_;
  std::vector<int> group_;
  std::vector<RankState> ranks_;
};

const bool registered_onebit_adam = TrainingAlgorithmRegistry::add(
    {"onebit_adam",
     "1-bit Adam: full-precision Adam warm-up, then frozen variance and error-compensated 1-bit momentum by "
     "compressed allreduce (Tang et al. 2021)",
     {Option::integer("warmup_steps", 100, 0, std::int64_t{1} << 40,
                      "full-precision Adam steps before the second moment is frozen and the momentum is sent in 1 bit"),
      Option::boolean("error_feedback", true,
                      "keep what each 1-bit encoding dropped and add it to the same chunk next step (worker and "
                      "server side); false only to see what it buys"),
      Option::choice("collective", std::string("ring"), {"ring", "hierarchical"},
                     "ring: flat; hierarchical: full precision inside a machine, compressed between machines")}},
    [](const OptionValues& o) { return std::make_unique<OnebitAdam>(o); });

}  // namespace
}  // namespace dtsim
