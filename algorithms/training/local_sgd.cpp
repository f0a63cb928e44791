// "local_sgd": Parallel Restarted SGD / local SGD (Yu, Yang and Zhu, AAAI 2019: "Parallel Restarted SGD with Faster Convergence and Less Communication"). Every rank trains its own
// model with plain local optimizer steps and the models are averaged only now and then, so the
// number of communication rounds falls by the averaging interval.
//
//   local step (every rank i):   x_i <- x_i - gamma G_i(x_i)     (workload optimizer: momentum and
//                                                                  weight decay stay local to the rank)
//   averaging (all ranks):       x_i <- x_bar = (1/N) sum_j x_j   (allreduce of the PARAMETERS over
//                                                                  algorithm.collective, then / N)
//
// algorithm.local_schedule picks when the models are averaged:
//   "constant" (Algorithm 1): after every I = algorithm.local_steps local steps, i.e. at the end of
//              iterations t with (t + 1) mod I = 0. I = 1 is parallel mini-batch SGD with plain SGD:
//              mean_i(x - gamma g_i) = x - gamma mean_i(g_i).
//   "growing"  (Algorithm 2): epoch s = 1, 2, ... lasts K^s = ceil(I s^(1/3)) local steps and ends
//              with an average, i.e. at the end of iterations t with t + 1 = K^1 + ... + K^s.
//   "by_speed" (Algorithm 3): rank i runs I_i = max(1, round(I f_min / f_i)) local steps per round,
//              f_i = the rank's designed slow-down (stragglers.rank_factors, 1 without them) and
//              f_min = min_i f_i, so the fastest ranks run I steps and slower ones proportionally
//              fewer; every round ends with an average. Random noise, slowdown windows and Markov
//              stragglers are not known in advance and do not change I_i.
//
// In the engine, one iteration of "constant" and "growing" is one local step of every rank (plus the
// average where one falls), so iterations.csv has one row per local step, bytes per iteration fall by
// I on average, and run.epochs means what it means for "allreduce". One iteration of "by_speed" is one
// ROUND (I_i local steps on rank i, then the average): iterations.csv has one row per round, and each
// local step draws its own mini-batch (rank i's own running step counter is its sample step).
// Replicas differ between averages, so with numerics the evaluated model is the average x_bar of the
// ranks' models (what the next average would give), and the final parameters are each rank's own.
#include <cmath>
#include <numeric>
#include <set>

#include "algorithms/collectives/analytic.h"
#include "algorithms/collectives/collective.h"
#include "sim/plugin/training_algorithm.h"
#include "sim/engine/straggler_model.h"
#include "sim/engine/workload.h"

namespace dtsim {
namespace {

// K^s of Algorithm 2: ceil(I s^(1/3)), i.e. the smallest integer k with k^3 >= I^3 s (the floating
// estimate is corrected in exact integers, so perfect cubes are not rounded up by one).
std::int64_t growing_epoch_length(int interval, std::int64_t s) {
  const __int128 target = static_cast<__int128>(interval) * interval * interval * s;
  auto cube = [](std::int64_t k) { return static_cast<__int128>(k) * k * k; };
  auto k = static_cast<std::int64_t>(std::ceil(interval * std::cbrt(static_cast<double>(s))));
  while (k > 1 && cube(k - 1) >= target) --k;
  while (cube(k) < target) ++k;
  return k;
}

// I_i of Algorithm 3 for every rank.
std::vector<int> steps_by_speed(const Scenario& s, int local_steps) {
  const int ranks = s.cluster.ranks();
  StragglerModel model(s.stragglers, s.seed, ranks);
  double fastest = INFINITY;
  for (int r = 0; r < ranks; ++r) fastest = std::min(fastest, model.static_factor(r));
  std::vector<int> steps(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r)
    steps[static_cast<std::size_t>(r)] =
        std::max(1, static_cast<int>(std::lround(local_steps * fastest / model.static_factor(r))));
  return steps;
}

class LocalSgd : public TrainingAlgorithm {
 public:
  // The options of the algorithm: what validate and the iterations read.
  struct Options {
    std::string collective;      // /algorithm/collective: how the models are averaged
    int local_steps = 1;         // I
    std::string local_schedule;  // constant | growing | by_speed
  };
  explicit LocalSgd(const OptionValues& o)
      : options_{o.text("collective"), static_cast<int>(o.integer("local_steps")), o.text("local_schedule")} {}

  void validate(const Scenario& s, ErrorList& errors) const override {
    const Options& a = options_;
    if (s.workload.fusion.overlaps())
      errors.add("/workload/fusion/policy", "gradient fusion is not modelled for local_sgd (it averages the "
                                          "parameters after the local steps, not the gradient); remove it");
    if (a.local_schedule == "by_speed" && s.run.epochs > 0)
      errors.add("/run/epochs", "local_sgd with local_schedule \"by_speed\" counts rounds of several local steps "
                                "per rank, not steps; give run.iterations (the number of rounds) instead");
    if (a.local_schedule == "constant" && a.local_steps > s.run.iterations)
      errors.add("/algorithm/local_steps", std::to_string(a.local_steps) + " exceeds run.iterations (" +
                                               std::to_string(s.run.iterations) +
                                               "): the models would never be averaged; allowed: at most run.iterations");
    if (a.local_schedule == "growing" && growing_epoch_length(a.local_steps, 1) > s.run.iterations)
      errors.add("/algorithm/local_steps", "the first epoch (K^1 = " + std::to_string(a.local_steps) +
                                               " steps) is longer than run.iterations (" +
                                               std::to_string(s.run.iterations) + "): the models would never be averaged");
  }
  bool keeps_replicas_identical() const override { return false; }
  std::string analytic_blocker(const Scenario& s) const override {
    return collective_analytic_blocker(s, options_.collective);
  }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    set_up(ctx.scenario());
    // Analytic: the local steps' compute is taken by the averaging's single wait (RankContext::Lockstep).
    RankContext::Lockstep one_wait(ctx, collective_->runs_analytic(ctx, group_));
    const std::string& schedule = options_.local_schedule;
    if (schedule == "by_speed") {
      const int rank = ctx.rank();
      for (int k = 0; k < steps_[static_cast<std::size_t>(rank)]; ++k) {
        ctx.set_sample_step(next_sample_[static_cast<std::size_t>(rank)]++);
        local_step(ctx, work);
      }
      average(ctx, work);
      return;
    }
    local_step(ctx, work);
    const int t = ctx.iteration();
    const bool average_now = schedule == "growing" ? averaging_points_.count(t) > 0
                                                   : (t + 1) % options_.local_steps == 0;
    if (average_now) average(ctx, work);
  }

 private:
  static void local_step(RankContext& ctx, Workload& work) {
    Message gradient = work.gradient(ctx);
    work.apply_gradient_sum(ctx, gradient, 1);
  }

  void average(RankContext& ctx, Workload& work) {
    Message params = work.parameters(ctx);
    collective_->allreduce(ctx, group_, params);
    const float n = static_cast<float>(ctx.size());
    for (float& v : params.values) v /= n;
    work.set_parameters(ctx, std::move(params));
  }

  // Shared by all ranks of the run (one algorithm object per run; SimGrid actors are cooperative).
  void set_up(const Scenario& s) {
    if (collective_) return;
    collective_ = CollectiveRegistry::create(options_.collective);
    group_.resize(static_cast<std::size_t>(s.cluster.ranks()));
    std::iota(group_.begin(), group_.end(), 0);
    if (options_.local_schedule == "growing") {
      std::int64_t end = 0;  // iterations 0..end-1 are done after epoch s
      for (std::int64_t epoch = 1; end < s.run.iterations; ++epoch) {
        end += growing_epoch_length(options_.local_steps, epoch);
        averaging_points_.insert(static_cast<int>(end - 1));
      }
    }
    if (options_.local_schedule == "by_speed") {
      steps_ = steps_by_speed(s, options_.local_steps);
      next_sample_.assign(steps_.size(), 0);
    }
  }

  Options options_;
  std::unique_ptr<Collective> collective_;
  std::vector<int> group_;
  std::set<int> averaging_points_;         // growing: iterations that end an epoch
  std::vector<int> steps_;                 // by_speed: I_i
  std::vector<std::int64_t> next_sample_;  // by_speed: each rank's next mini-batch number
};

const bool registered_local_sgd = TrainingAlgorithmRegistry::add(
    {"local_sgd", "local SGD / Parallel Restarted SGD (Yu et al. 2019): models averaged every I local steps",
     {Option::member("collective", "collective", std::string("ring"), "the allreduce that averages the models"),
      Option::integer("local_steps", 1, 1, 1 << 20, "I, the local steps between averages"),
      Option::choice("local_schedule", std::string("constant"), {"constant", "growing", "by_speed"},
                     "constant: average every I steps; growing: epoch s lasts ceil(I s^(1/3)) steps; by_speed: rank "
                     "i runs max(1, round(I f_min / f_i)) steps per round")}},
    [](const OptionValues& o) { return std::make_unique<LocalSgd>(o); });

}  // namespace
}  // namespace dtsim
