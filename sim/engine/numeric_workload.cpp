#include "sim/engine/numeric_workload.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "kernels/schedule.h"

namespace dtsim {
namespace {

// Adds the host time of a scope to `total` (the numerics' wall time, reported separately).
class WallTimer {
 public:
  explicit WallTimer(std::chrono::steady_clock::duration& total)
      : total_(total), begin_(std::chrono::steady_clock::now()) {}
  ~WallTimer() { total_ += std::chrono::steady_clock::now() - begin_; }

 private:
  std::chrono::steady_clock::duration& total_;
  std::chrono::steady_clock::time_point begin_;
};

}  // namespace

NumericWorkload::NumericWorkload(const Scenario& s, bool replicas_identical, int iteration_slots)
    : scenario_(s), replicas_identical_(replicas_identical) {
  WallTimer timer(wall_);
  auto data = std::make_shared<const kernels::DataBundle>(kernels::load_dataset(s.workload.numerics.dataset));
  replicas_ = std::make_unique<kernels::ReplicaSet>(s.workload.numerics.replica, data);
  log_.train_loss.assign(iteration_slots, 0.0);
  loss_count_.assign(iteration_slots, 0);
  rank_samples_.assign(static_cast<std::size_t>(replicas_->size()), 0);
  log_.evaluation.resize(iteration_slots);
  log_.consensus_distance.resize(iteration_slots);
  log_.rank_accuracy_range.resize(iteration_slots);
  log_.backend = kernels::to_string(replicas_->backend());
  log_.backend_note = replicas_->backend_note();
  log_.real_params = replicas_->num_params();
}

GradientLayout NumericWorkload::gradient_layout() const {
  // Per layer W (out x in, column-major, i.e. in x out row-major), then its bias b (out).
  const kernels::DenseLayout& l = replicas_->layout();
  GradientLayout layout;
  for (int i = 0; i < l.layers(); ++i) {
    const auto in = static_cast<std::size_t>(l.sizes[i]), out = static_cast<std::size_t>(l.sizes[i + 1]);
    layout.push_back({in, out});
    if (l.bias) layout.push_back({out, 1});
  }
  return layout;
}

Message NumericWorkload::gradient_values(RankContext& ctx) {
  WallTimer timer(wall_);  // host time only: the simulated compute time is charged by the caller
  const std::int64_t step = ctx.sample_step();
  // Synchronous algorithms leave every replica identical once their compute has begun: the first rank to
  // ask then computes all ranks' gradients in one batched pass (stacked GEMMs; strided-batched on the
  // GPU) and the others take theirs. A gradient depends only on (the rank's parameters, rank, step),
  // and a rank's parameters do not change before it asks, so the cache is exact.
  if (cached_step_ != step && replicas_->params_identical()) {
    replicas_->compute_all_gradients(step, cache_);
    cached_step_ = step;
    cache_valid_.assign(cache_.size(), 1);
    ++log_.batched_steps;
  }
  const bool cached = cached_step_ == step && cache_valid_[ctx.rank()];
  kernels::GradientResult computed;
  if (!cached) computed = replicas_->compute_gradient(ctx.rank(), step);
  if (cached) cache_valid_[ctx.rank()] = 0;
  const kernels::GradientResult& g = cached ? cache_[ctx.rank()] : computed;
  log_.train_loss[ctx.iteration()] += g.loss;  // summed here, divided by the count in take_log
  ++loss_count_[ctx.iteration()];
  rank_samples_.at(static_cast<std::size_t>(ctx.rank())) += g.samples;
  Message m;
  m.bytes = scenario_.workload.message_bytes();
  m.values.assign(g.gradient.data(), g.gradient.data() + g.gradient.size());
  return m;
}

void NumericWorkload::apply_gradient_sum(RankContext& ctx, const Message& sum, int contributors) {
  WallTimer timer(wall_);
  kernels::Vector mean = Eigen::Map<const kernels::Vector>(sum.values.data(), sum.values.size());
  mean /= static_cast<float>(contributors);
  const double scale = ctx.learning_rate_scale();  // elastic training on fewer ranks, linear scaling
  if (scale == 1) {
    replicas_->apply_update(ctx.rank(), mean);
    return;
  }
  kernels::Optimizer& optimizer = replicas_->optimizer(ctx.rank());
  optimizer.step(replicas_->params(ctx.rank()), mean, optimizer.current_lr() * scale);
}

Message NumericWorkload::parameters(RankContext& ctx) {
  const kernels::Vector& p = replicas_->params(ctx.rank());
  Message m;
  m.bytes = scenario_.workload.message_bytes();
  m.values.assign(p.data(), p.data() + p.size());
  return m;
}

void NumericWorkload::set_parameters(RankContext& ctx, Message parameters) {
  kernels::Vector& p = replicas_->params(ctx.rank());
  if (parameters.values.size() != static_cast<size_t>(p.size()))
    throw std::logic_error("set_parameters: " + std::to_string(parameters.values.size()) + " values for a model of " +
                           std::to_string(p.size()));
  p = Eigen::Map<const kernels::Vector>(parameters.values.data(), p.size());
  if (cached_step_ >= 0) cache_valid_[ctx.rank()] = 0;
}

double NumericWorkload::learning_rate(RankContext& ctx) {
  const kernels::ReplicaSpec& spec = scenario_.workload.numerics.replica;
  return ctx.learning_rate_scale() * kernels::learning_rate(spec.optimizer, ctx.iteration(),
                                                            static_cast<kernels::Index>(spec.batch_size) * spec.ranks);
}

Message NumericWorkload::initial_parameters() {
  const kernels::Vector& p = replicas_->params(0);  // every replica starts from the same model
  Message m;
  m.bytes = scenario_.workload.message_bytes();
  m.values.assign(p.data(), p.data() + p.size());
  return m;
}

void NumericWorkload::server_update(int shard, Message& model_shard, const Message& gradient_sum, int contributors) {
  WallTimer timer(wall_);
  if (gradient_sum.values.size() != model_shard.values.size())
    throw std::logic_error("server_update: gradient and model shards differ in size");
  const kernels::ReplicaSpec& spec = replicas_->spec();
  auto it = server_optimizers_.find(shard);
  if (it == server_optimizers_.end())  // one update uses contributors x batch samples
    it = server_optimizers_
             .emplace(shard, kernels::Optimizer(spec.optimizer, static_cast<kernels::Index>(model_shard.values.size()),
                                                static_cast<kernels::Index>(spec.batch_size) * contributors))
             .first;
  Eigen::Map<kernels::Vector> x(model_shard.values.data(), static_cast<Eigen::Index>(model_shard.values.size()));
  kernels::Vector mean = Eigen::Map<const kernels::Vector>(gradient_sum.values.data(), x.size());
  mean /= static_cast<float>(contributors);
  it->second.step(x, mean);
}

void NumericWorkload::evaluate_consensus(int k) {
  WallTimer timer(wall_);
  const auto& models = snapshots_[k];
  const size_t n = models.size(), d = models[0].size();
  std::vector<double> mean(d, 0.0);
  for (const auto& x : models)
    for (size_t i = 0; i < d; ++i) mean[i] += x[i] / static_cast<double>(n);
  double distance = 0;
  for (const auto& x : models)
    for (size_t i = 0; i < d; ++i) distance += (x[i] - mean[i]) * (x[i] - mean[i]) / static_cast<double>(n);
  kernels::Vector average(static_cast<Eigen::Index>(d));
  for (size_t i = 0; i < d; ++i) average[static_cast<Eigen::Index>(i)] = static_cast<float>(mean[i]);
  log_.evaluation[k] = replicas_->evaluate(average);
  log_.consensus_distance[k] = distance;
  if (scenario_.workload.numerics.eval_ranks && log_.evaluation[k]->accuracy) {
    double lo = 1, hi = 0;
    for (const auto& x : models) {
      const auto e = replicas_->evaluate(Eigen::Map<const kernels::Vector>(x.data(), static_cast<Eigen::Index>(d)));
      lo = std::min(lo, *e.accuracy);
      hi = std::max(hi, *e.accuracy);
    }
    log_.rank_accuracy_range[k] = std::make_pair(lo, hi);
  }
  snapshots_.erase(k);
}

bool NumericWorkload::is_evaluation_iteration(int iteration) const {
  const int every = scenario_.workload.numerics.eval_every;
  return iteration == scenario_.run.iterations - 1 || (every > 0 && (iteration + 1) % every == 0);
}

kernels::Evaluation NumericWorkload::evaluate_rank(int rank) {
  WallTimer timer(wall_);
  return replicas_->evaluate(replicas_->params(rank));
}

bool NumericWorkload::finish_iteration(RankContext& ctx) {
  const int k = ctx.iteration();
  if (!replicas_identical_) {
    // The consensus model of iteration k is the average of every rank's model at the end of k;
    // ranks finish k at different times, so their models are kept until the last one arrives. The
    // run is not stopped early here (ranks may already be past k): time to accuracy is reported.
    if (is_evaluation_iteration(k)) {
      if (scenario_.workload.numerics.eval_time > 0) ctx.compute(scenario_.workload.numerics.eval_time);
      const kernels::Vector& p = replicas_->params(ctx.rank());
      auto& models = snapshots_[k];
      models.emplace_back(p.data(), p.data() + p.size());
      const int ranks = ctx.live_ranks().empty() ? ctx.size() : static_cast<int>(ctx.live_ranks().size());
      if (static_cast<int>(models.size()) == ranks) evaluate_consensus(k);  // the live ranks' models (elastic)
    }
    return false;
  }
  last_rank_ = ctx.rank();  // the latest to finish holds the newest model
  last_iteration_ = std::max(last_iteration_, k);
  // Synchronous algorithms leave every replica identical after the update, so the first rank to
  // finish iteration k evaluates its own model for all (evaluation costs no simulated time), and every
  // rank reads the same stop decision when it finishes k.
  if (is_evaluation_iteration(k) && scenario_.workload.numerics.eval_time > 0)
    ctx.compute(scenario_.workload.numerics.eval_time);  // charged only when the scenario asks
  if (is_evaluation_iteration(k) && !log_.evaluation[k]) {
    log_.evaluation[k] = evaluate_rank(ctx.rank());
    const auto& accuracy = log_.evaluation[k]->accuracy;
    if (scenario_.run.target_accuracy > 0 && scenario_.run.stop_at_target && accuracy && *accuracy >= scenario_.run.target_accuracy &&
        stop_after_ < 0)
      stop_after_ = k;
  }
  return stop_after_ == k;
}

NumericWorkload::RankState NumericWorkload::rank_state(int rank) const {
  return RankState{replicas_->params(rank), replicas_->optimizer(rank), rank_samples_.at(static_cast<std::size_t>(rank))};
}

void NumericWorkload::save_rank_checkpoint(int iteration, int rank) {
  rank_checkpoints_[iteration].insert_or_assign(rank, rank_state(rank));
}

void NumericWorkload::save_checkpoint(int iteration) {
  std::map<int, RankState> saved;
  if (auto it = rank_checkpoints_.find(iteration); it != rank_checkpoints_.end()) saved = std::move(it->second);
  rank_checkpoints_.erase(rank_checkpoints_.begin(), rank_checkpoints_.upper_bound(iteration));
  Snapshot snapshot;
  for (int r = 0; r < replicas_->size(); ++r) {
    auto it = saved.find(r);
    snapshot.push_back(it != saved.end() ? std::move(it->second) : rank_state(r));
  }
  checkpoints_.insert_or_assign(iteration, std::move(snapshot));
}

void NumericWorkload::restore_checkpoint(int iteration) {
  const Snapshot& snapshot = checkpoints_.at(iteration);
  for (int r = 0; r < replicas_->size(); ++r) {
    const RankState& state = snapshot[static_cast<std::size_t>(r)];
    replicas_->params(r) = state.params;
    replicas_->optimizer(r) = state.optimizer;
    rank_samples_[static_cast<std::size_t>(r)] = state.samples;
  }
  rank_checkpoints_.clear();  // of iterations after `iteration`, which run again
  // The iterations after the checkpoint run again: what they logged is forgotten, their samples too
  // (epochs count training progress; the lost work is in the failures' time lost).
  for (std::size_t k = static_cast<std::size_t>(iteration + 1); k < log_.train_loss.size(); ++k) {
    log_.train_loss[k] = 0;
    loss_count_[k] = 0;
    log_.evaluation[k].reset();
    log_.consensus_distance[k].reset();
    log_.rank_accuracy_range[k].reset();
  }
  snapshots_.clear();
  if (stop_after_ > iteration) stop_after_ = -1;
  last_iteration_ = std::min(last_iteration_, iteration);
  cached_step_ = -1;  // cached gradients belong to parameters that are gone
}

void NumericWorkload::discard_checkpoint(int iteration) { checkpoints_.erase(iteration); }

void NumericWorkload::save_server_state(int shard) {
  auto it = server_optimizers_.find(shard);
  saved_server_optimizers_[shard] =
      it == server_optimizers_.end() ? std::nullopt : std::optional<kernels::Optimizer>(it->second);
}

void NumericWorkload::restore_server_state(int shard) {
  auto saved = saved_server_optimizers_.find(shard);
  server_optimizers_.erase(shard);  // none saved: the shard starts over with a fresh optimizer
  if (saved != saved_server_optimizers_.end() && saved->second) server_optimizers_.emplace(shard, *saved->second);
}

NumericsLog NumericWorkload::take_log() {
  log_.samples_processed = std::accumulate(rank_samples_.begin(), rank_samples_.end(), std::int64_t{0});
  // Asynchronous servers end the run on their own budget, after the workers' iteration indexes have
  // spread out: evaluate the model of the rank that finished last (the newest server model) too.
  if (replicas_identical_ && last_iteration_ >= 0 && !log_.evaluation[static_cast<std::size_t>(last_iteration_)])
    log_.evaluation[static_cast<std::size_t>(last_iteration_)] = evaluate_rank(last_rank_);
  const auto& optimum = replicas_->data().optimum;
  if (optimum) {
    const Eigen::VectorXd x = replicas_->params(0).cast<double>();
    log_.distance_to_optimum = (x - *optimum).norm() / std::max(optimum->norm(), 1e-300);
  }
  for (int r = 0; r < replicas_->size(); ++r)
    log_.final_params.emplace_back(replicas_->params(r).data(), replicas_->params(r).data() + replicas_->params(r).size());
  // Mean loss of the gradients computed in each iteration (one per rank for synchronous algorithms;
  // local SGD rounds and backup workers compute other numbers).
  for (std::size_t k = 0; k < log_.train_loss.size(); ++k)
    if (loss_count_[k] > 0) log_.train_loss[k] /= loss_count_[k];
  log_.wall_time_s = std::chrono::duration<double>(wall_).count();
  return std::move(log_);
}

}  // namespace dtsim
