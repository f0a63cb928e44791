// "allreduce": synchronous parallel mini-batch SGD (PSGD): every rank computes a gradient on its own batch,
// the gradients are summed with an allreduce collective (algorithm.collective), and every rank applies
// the same averaged update — mini-batch SGD with batch p x b.
//
// With workload.bucket_size > 0 the gradient is allreduced in buckets that overlap the backward pass
// (algorithms/training/bucket_schedule.h has the compute model): the rank's actor runs the forward
// pass and then the backward pass bucket by bucket; a second actor on the same host (the rank's
// communication stream, like NCCL's single stream) allreduces the buckets one at a time, in the same
// order on every rank, each as soon as it is ready. Both actors record into the rank's RankContext
// (SimGrid actors are cooperative, so sharing it is safe), so the iteration's breakdown sees the
// overlap: exposed_comm is the communication not hidden behind compute. The update is applied once the
// last bucket is reduced, from the whole summed gradient, as without bucketing.
#include <numeric>

#include <simgrid/s4u.hpp>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/bucket_schedule.h"
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
    if (s.workload.bucket_size > 0)
      errors.add("/algorithm/compression", "\"" + kind + "\" is not modelled with gradient buckets "
                                           "(workload.bucket_size); remove one of them");
    // Sparse and quantized blocks cannot be summed in their compressed format: they are exchanged by
    // ring allgather whatever the allreduce algorithm, so another collective would mean nothing.
    if (compressor->exchange() == Compressor::Exchange::Allgather && collective_name_ != "ring")
      errors.add("/algorithm/collective", "\"" + collective_name_ + "\" has no meaning with compression \"" + kind +
                                              "\" (its blocks are exchanged by ring allgather); remove the key, or use "
                                              "a compression that sums with any collective, such as \"randomk\"");
  }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    if (!collective_) {
      collective_ = CollectiveRegistry::create(collective_name_);
      group_.resize(ctx.size());
      std::iota(group_.begin(), group_.end(), 0);
      if (ctx.scenario().workload.bucket_size > 0) schedule_ = make_bucket_schedule(ctx.scenario().workload);
    }
    if (ctx.scenario().workload.bucket_size > 0) {
      bucketed_iteration(ctx, work);
      return;
    }
    Message gradient = work.gradient(ctx);
    if (compression_kind_ != "none") {
      if (!compressed_)
        compressed_ = std::make_unique<CompressedExchange>(ctx.scenario(), compression_kind_, compression_options_);
      compressed_->step(ctx, *collective_, group_, work, gradient);
      return;
    }
    collective_->allreduce(ctx, group_, gradient);
    work.apply_gradient_sum(ctx, gradient, ctx.size());
  }

 private:
  void bucketed_iteration(RankContext& ctx, Workload& work) {
    const BucketSchedule& s = schedule_;
    Message gradient = work.gradient_values(ctx);
    const std::size_t values = gradient.values.size();
    std::vector<Message> buckets(s.buckets.size());
    for (std::size_t k = 0; k < buckets.size(); ++k) {
      buckets[k].bytes = s.buckets[k].bytes;
      if (values) {
        auto [begin, end] = s.value_range(k, values);
        buckets[k].values.assign(gradient.values.begin() + begin, gradient.values.begin() + end);
      }
    }

    // The communication stream: allreduces bucket k once `ready` > k, one bucket at a time.
    struct Stream {
      sg4::MutexPtr mutex = sg4::Mutex::create();
      sg4::ConditionVariablePtr changed = sg4::ConditionVariable::create();
      std::size_t ready = 0;
    } stream;
    sg4::ActorPtr comm = sg4::Actor::create(
        "comm" + std::to_string(ctx.rank()), sg4::this_actor::get_host(), [this, &ctx, &stream, &buckets] {
          for (std::size_t k = 0; k < buckets.size(); ++k) {
            {
              std::unique_lock<sg4::Mutex> lock(*stream.mutex);
              while (stream.ready <= k) stream.changed->wait(lock);
            }
            collective_->allreduce(ctx, group_, buckets[k]);
          }
        });

    const double slow = ctx.compute_factor();  // a straggler is slow in both passes alike
    ctx.compute(s.forward_time * slow);
    double done = 0;
    for (std::size_t k = 0; k < s.buckets.size(); ++k) {
      ctx.compute((s.buckets[k].backward_done - done) * slow);
      done = s.buckets[k].backward_done;
      std::unique_lock<sg4::Mutex> lock(*stream.mutex);
      stream.ready = k + 1;
      stream.changed->notify_all();
    }
    comm->join();

    Message sum{gradient.bytes, {}};
    if (values) {
      sum.values.resize(values);
      for (std::size_t k = 0; k < buckets.size(); ++k) {
        auto [begin, end] = s.value_range(k, values);
        std::copy(buckets[k].values.begin(), buckets[k].values.end(), sum.values.begin() + begin);
        (void)end;
      }
    }
    work.apply_gradient_sum(ctx, sum, ctx.size());
  }

  std::string collective_name_;          // /algorithm/collective
  std::string compression_kind_;         // /algorithm/compression/kind ("none": dense gradients)
  OptionValues compression_options_;     // the scheme's own options
  // Shared by all ranks of the run (the engine creates one algorithm object per run).
  std::unique_ptr<Collective> collective_;
  std::vector<int> group_;
  BucketSchedule schedule_;
  std::unique_ptr<CompressedExchange> compressed_;  // with algorithm.compression (per-rank residuals inside)
};

const bool registered = TrainingAlgorithmRegistry::add(
    {"allreduce", "synchronous data-parallel SGD (PSGD): every rank's gradient summed by an allreduce",
     {Option::member("collective", "collective", std::string("ring"), "the allreduce algorithm"),
      Option::plugin("compression", "compressor", "kind", "none", "none",
                     "gradient compression before the exchange (see docs: gradient compression)")}},
    [](const OptionValues& o) { return std::make_unique<AllreducePsgd>(o); });

}  // namespace
}  // namespace dtsim
