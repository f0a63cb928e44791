// "allreduce": synchronous parallel mini-batch SGD (PSGD): every rank computes a gradient on its own batch,
// the gradients are summed with an allreduce collective (algorithm.collective), and every rank applies
// the same averaged update — mini-batch SGD with batch p x b.
//
// With workload.fusion.policy "ddp" or "horovod" the gradient is allreduced in pieces that overlap the
// backward pass (algorithms/training/bucket_schedule.h has the compute model, fusion_policy.h Horovod's
// loop): the rank's actor runs the forward pass and then the backward pass unit by unit (a DDP bucket,
// or a layer for Horovod); a second actor on the same host (the rank's communication stream, like
// NCCL's single stream) allreduces them one at a time, in the same order on every rank: each DDP
// bucket as soon as it is ready, or the groups that rank 0's Horovod cycles fused. Both actors record into the rank's RankContext
// (SimGrid actors are cooperative, so sharing it is safe), so the iteration's breakdown sees the
// overlap: exposed_comm is the communication not hidden behind compute. The update is applied once the
// last bucket is reduced, from the whole summed gradient, as without bucketing.
#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include <simgrid/s4u.hpp>

#include "algorithms/collectives/analytic.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/training/bucket_schedule.h"
#include "algorithms/training/fusion_policy.h"
#include "algorithms/training/compressed_exchange.h"
#include "sim/plugin/training_algorithm.h"
#include "sim/engine/workload.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

class AllreducePsgd : public TrainingAlgorithm {
 public:
  explicit AllreducePsgd(const OptionValues& o)
      : collective_name_(o.text("collective")),
        compression_kind_(o.object("compression").text("kind")),
        compression_options_(o.object("compression")) {}

  void validate(const Scenario& s, ErrorList& errors) const override {
    const std::string& kind = compression_kind_;
    if (kind == "none") return;
    const auto compressor = make_compressor(kind, compression_options_, s.workload.bytes_per_param);
    const CompressionSpec& c = compressor->spec();
    if (c.momentum_correction && !c.error_feedback && compressor->sparsifier())
      errors.add("/algorithm/compression/momentum_correction",
                 "true with \"" + kind + "\" needs error_feedback (its residual is DGC's gradient accumulation); "
                 "set error_feedback to true or momentum_correction to false");
    if (c.momentum_correction && s.workload.numerics.enabled &&
        s.workload.numerics.replica.optimizer.kind != kernels::OptimizerKind::momentum)
      errors.add("/algorithm/compression/momentum_correction",
                 "true needs workload.optimizer.name \"momentum\" (the velocity it moves to the ranks)");
    if (s.workload.fusion.overlaps())
      errors.add("/algorithm/compression", "\"" + kind + "\" is not modelled with gradient fusion "
                                           "(workload.fusion.policy \"" + s.workload.fusion.policy +
                                           "\"); remove one of them");
    // The compressed allreduce is a ring, flat or hierarchical (compressed_allreduce.h).
    if (c.collective == "compressed_allreduce") {
      if (collective_name_ != "ring" && collective_name_ != "hierarchical")
        errors.add("/algorithm/collective", "\"" + collective_name_ + "\" has no meaning with compression \"" + kind +
                                                "\" and collective \"compressed_allreduce\" (a ring); use \"ring\" or "
                                                "\"hierarchical\" (full precision inside a machine)");
      return;
    }
    // Sparse and quantized blocks cannot be summed in their compressed format: they are exchanged by
    // ring allgather whatever the allreduce algorithm, so another collective would mean nothing.
    if (compressor->exchange() == Compressor::Exchange::Allgather && collective_name_ != "ring")
      errors.add("/algorithm/collective", "\"" + collective_name_ + "\" has no meaning with compression \"" + kind +
                                              "\" (its blocks are exchanged by ring allgather); remove the key, or use "
                                              "a compression that sums with any collective, such as \"randomk\"");
  }

  std::string analytic_blocker(const Scenario& s) const override {
    if (compression_kind_ != "none") return "compression \"" + compression_kind_ + "\" exchanges compressed blocks";
    return collective_analytic_blocker(s, collective_name_);
  }

  // Fused buckets keep a communication actor and Horovod's negotiation state per iteration, and
  // compression keeps residuals per rank: neither is written to checkpoints, so they are not restarted.
  // The plain exchange also runs over fewer ranks (elastic training: ctx.live_ranks()).
  bool restartable(const Scenario& s) const override {
    return !s.workload.fusion.overlaps() && compression_kind_ == "none";
  }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    if (!collective_) {
      collective_ = CollectiveRegistry::create(collective_name_);
      group_.resize(ctx.size());
      std::iota(group_.begin(), group_.end(), 0);
      if (ctx.scenario().workload.fusion.overlaps()) {
        schedule_ = make_bucket_schedule(ctx.scenario().workload);
        runtime_fusion_ = make_fusion_policy(ctx.scenario().workload.fusion)->runtime();
        horovod_.iteration.assign(ctx.size(), -1);
        horovod_.ready.assign(ctx.size(), 0);
        horovod_.mutex = sg4::Mutex::create();  // SimGrid objects, made once the engine runs
        horovod_.changed = sg4::ConditionVariable::create();
      }
    }
    if (ctx.scenario().workload.fusion.overlaps()) {
      bucketed_iteration(ctx, work);
      return;
    }
    const std::vector<int>& group = ctx.live_ranks().empty() ? group_ : ctx.live_ranks();
    // Analytic: the compute's time is taken by the allreduce's single wait (RankContext::Lockstep).
    RankContext::Lockstep one_wait(ctx, compression_kind_ == "none" && collective_->runs_analytic(ctx, group));
    Message gradient = work.gradient(ctx);
    if (compression_kind_ != "none") {
      if (!compressed_)
        compressed_ = std::make_unique<CompressedExchange>(ctx.scenario(), compression_kind_, compression_options_,
                                                           collective_name_, work.gradient_layout());
      compressed_->step(ctx, *collective_, group_, work, gradient);
      return;
    }
    // Elastic training after a failure: the collective is rebuilt over the live ranks, and the update
    // is their mean gradient.
    collective_->allreduce(ctx, group, gradient);
    work.apply_gradient_sum(ctx, gradient, static_cast<int>(group.size()));
  }

 private:
  // Allreduces the slice [param_begin, param_end) of `gradient` into `sum` (values only with numerics).
  void reduce_slice(RankContext& ctx, const Message& gradient, Message& sum, double bytes, double param_begin,
                    double param_end) {
    Message piece{bytes, {}};
    const std::size_t values = gradient.values.size();
    auto [begin, end] = schedule_.value_range(param_begin, param_end, values);
    if (values) piece.values.assign(gradient.values.begin() + begin, gradient.values.begin() + end);
    collective_->allreduce(ctx, group_, piece);
    if (values) std::copy(piece.values.begin(), piece.values.end(), sum.values.begin() + begin);
  }

  // DDP: bucket k is allreduced once the backward pass has made `ready` > k.
  void static_buckets(RankContext& ctx, const Message& gradient, Message& sum, const std::size_t& ready,
                      sg4::MutexPtr mutex, sg4::ConditionVariablePtr changed) {
    for (std::size_t k = 0; k < schedule_.buckets.size(); ++k) {
      {
        std::unique_lock<sg4::Mutex> lock(*mutex);
        while (ready <= k) changed->wait(lock);
      }
      const GradientBucket& b = schedule_.buckets[k];
      reduce_slice(ctx, gradient, sum, b.bytes, b.param_begin, b.param_end);
    }
  }

  // Horovod: rank 0 runs the cycles and decides the fused groups; every rank reduces them in order.
  void horovod_stream(RankContext& ctx, int iteration, const Message& gradient, Message& sum) {
    const RuntimeFusion& f = *runtime_fusion_;
    const std::size_t n = schedule_.buckets.size();
    std::vector<FusedGroup>& decided = horovod_.decided[iteration];
    if (ctx.rank() == 0) {
      std::size_t next = 0;
      double t = sg4::Engine::get_clock();
      while (next < n) {
        sg4::this_actor::sleep_until(t);
        const std::size_t ready = horovod_.ready_everywhere(iteration);
        const std::size_t first = decided.size();
        if (ready > next) {
          for (const FusedGroup& g : fuse_ready(schedule_, next, ready, f.threshold)) decided.push_back(g);
          horovod_.changed->notify_all();
        }
        for (std::size_t k = first; k < decided.size(); ++k) {
          auto [begin, end] = group_params(schedule_, decided[k]);
          reduce_slice(ctx, gradient, sum, decided[k].bytes, begin, end);
        }
        next = std::max(next, ready);
        t = std::max(t + f.cycle_time, sg4::Engine::get_clock());
      }
      return;
    }
    for (std::size_t k = 0, covered = 0; covered < n; ++k) {
      {
        std::unique_lock<sg4::Mutex> lock(*horovod_.mutex);
        while (decided.size() <= k) horovod_.changed->wait(lock);
      }
      const FusedGroup g = decided[k];
      auto [begin, end] = group_params(schedule_, g);
      reduce_slice(ctx, gradient, sum, g.bytes, begin, end);
      covered = g.end;
    }
  }

  void bucketed_iteration(RankContext& ctx, Workload& work) {
    const BucketSchedule& s = schedule_;
    const bool horovod = runtime_fusion_.has_value();
    const int iteration = ++horovod_.iteration[ctx.rank()];
    horovod_.ready[ctx.rank()] = 0;
    Message gradient = work.gradient_values(ctx);
    Message sum{gradient.bytes, {}};
    sum.values.resize(gradient.values.size());

    // The communication stream, waiting on the backward pass's progress (`ready` units done).
    std::size_t ready = 0;
    sg4::MutexPtr mutex = sg4::Mutex::create();
    sg4::ConditionVariablePtr changed = sg4::ConditionVariable::create();
    sg4::ActorPtr comm = sg4::Actor::create("comm" + std::to_string(ctx.rank()), sg4::this_actor::get_host(), [&] {
      if (horovod) {
        horovod_stream(ctx, iteration, gradient, sum);
      } else {
        static_buckets(ctx, gradient, sum, ready, mutex, changed);
      }
    });

    const double slow = ctx.compute_factor();  // a straggler is slow in both passes alike
    ctx.compute(s.forward_time * slow);
    double done = 0;
    for (std::size_t k = 0; k < s.buckets.size(); ++k) {
      if (s.buckets[k].backward_done > done) ctx.compute((s.buckets[k].backward_done - done) * slow);
      done = std::max(done, s.buckets[k].backward_done);
      std::unique_lock<sg4::Mutex> lock(*mutex);
      ready = k + 1;
      horovod_.ready[ctx.rank()] = k + 1;
      changed->notify_all();
    }
    comm->join();
    if (horovod && ctx.rank() == 0) horovod_.decided.erase(iteration - 1);  // every rank is past it
    work.apply_gradient_sum(ctx, sum, ctx.size());
  }

  // Horovod's negotiation state, shared by the ranks (the coordinator reads every rank's progress).
  struct HorovodState {
    std::vector<int> iteration;         // each rank's current iteration
    std::vector<std::size_t> ready;     // units its backward pass has finished in that iteration
    std::map<int, std::vector<FusedGroup>> decided;  // per iteration: the fused groups in issue order
    sg4::MutexPtr mutex;
    sg4::ConditionVariablePtr changed;
    std::size_t ready_everywhere(int it) const {  // units ready on every rank for iteration `it`
      std::size_t least = std::numeric_limits<std::size_t>::max();
      for (std::size_t r = 0; r < ready.size(); ++r)
        least = std::min(least, iteration[r] > it ? least : iteration[r] == it ? ready[r] : std::size_t{0});
      return least;
    }
  };

  std::string collective_name_;          // /algorithm/collective
  std::string compression_kind_;         // /algorithm/compression/kind ("none": dense gradients)
  OptionValues compression_options_;     // the scheme's own options
  // Shared by all ranks of the run (the engine creates one algorithm object per run).
  std::unique_ptr<Collective> collective_;
  std::vector<int> group_;
  BucketSchedule schedule_;
  std::optional<RuntimeFusion> runtime_fusion_;  // set: units fused at run time (Horovod)
  HorovodState horovod_;
  std::unique_ptr<CompressedExchange> compressed_;  // with algorithm.compression (per-rank residuals inside)
};

const bool registered_allreduce_psgd = TrainingAlgorithmRegistry::add(
    {"allreduce", "synchronous data-parallel SGD (PSGD): every rank's gradient summed by an allreduce",
     {Option::member("collective", "collective", std::string("ring"), "the allreduce algorithm"),
      Option::plugin("compression", "compressor", "kind", "none", "none",
                     "gradient compression before the exchange (see docs: gradient compression)")}},
    [](const OptionValues& o) { return std::make_unique<AllreducePsgd>(o); });

}  // namespace
}  // namespace dtsim
