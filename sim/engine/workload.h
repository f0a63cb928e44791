// What one rank computes each iteration. The timing-only workload charges the compute time of the
// scenario's model and produces a gradient message of the model's size with no values; the numeric
// workload (kernels/) also computes real gradients and applies real updates.
#pragma once
#include "sim/engine/gradient_layout.h"
#include "sim/engine/rank_context.h"

namespace dtsim {

class Workload {
 public:
  virtual ~Workload() = default;
  // Runs the forward/backward pass of `ctx.rank()` on mini-batch ctx.sample_step(), charging its
  // simulated compute time (slowed by the rank's straggler factor), and returns its gradient.
  Message gradient(RankContext& ctx) {
    ctx.compute(ctx.scenario().workload.compute_time * ctx.compute_factor());
    return gradient_values(ctx);
  }
  // The gradient without charging simulated time, for callers that charge the passes themselves
  // (the backward pass bucket by bucket).
  virtual Message gradient_values(RankContext& ctx) = 0;
  // Applies an update from the sum of `contributors` gradients to the rank's model.
  virtual void apply_gradient_sum(RankContext& ctx, const Message& sum, int contributors) = 0;
  // Called on every rank after each iteration; true stops the run after this iteration (the same
  // answer on every rank, e.g. once the target accuracy is reached).
  virtual bool finish_iteration(RankContext&) { return false; }
  // The rank's model as a message (values only with numerics), and its replacement.
  virtual Message parameters(RankContext& ctx) = 0;
  virtual void set_parameters(RankContext& ctx, Message parameters) = 0;
  // The step size gamma of this rank's current step (0 without numerics).
  virtual double learning_rate(RankContext& ctx) = 0;
  // Parameter servers that hold the model and update it themselves (asynchronous PS, synchronous PS
  // with backup workers). The model every rank starts from:
  virtual Message initial_parameters() = 0;
  // One optimizer step of shard `shard` (of `shards`) of the server's model from the sum of
  // `contributors` gradients, with the server's own optimizer state for that shard.
  virtual void server_update(int shard, Message& model_shard, const Message& gradient_sum, int contributors) = 0;
  // The tensors of gradient_values()'s values (empty: not known, as without numerics).
  virtual GradientLayout gradient_layout() const { return {}; }
  // Checkpoint/restart (run.recovery): keep a copy of every rank's state after iteration `iteration`
  // (-1: the initial state), go back to one (the logs of later iterations are cleared, as they run
  // again), or drop one that was never completely written. Nothing to keep without numerics.
  // Each rank's state is taken when that rank finishes the iteration (save_rank_checkpoint): a
  // decentralized rank may be iterations ahead of the last one by the time all have finished it;
  // save_checkpoint then completes the copy with the ranks that saved nothing (those not running).
  virtual void save_rank_checkpoint(int /*iteration*/, int /*rank*/) {}
  virtual void save_checkpoint(int /*iteration*/) {}
  virtual void restore_checkpoint(int /*iteration*/) {}
  virtual void discard_checkpoint(int /*iteration*/) {}
  // A parameter-server shard's optimizer state: kept with the shard's checkpoint, and restored when a
  // failed shard rolls back to it (the shard's model itself is the algorithm's).
  virtual void save_server_state(int /*shard*/) {}
  virtual void restore_server_state(int /*shard*/) {}
};

class TimingWorkload : public Workload {
 public:
  explicit TimingWorkload(const Scenario& s) : scenario_(s) {}
  Message gradient_values(RankContext&) override { return Message{scenario_.workload.message_bytes(), {}}; }
  void apply_gradient_sum(RankContext&, const Message&, int) override {}
  Message parameters(RankContext&) override { return Message{scenario_.workload.message_bytes(), {}}; }
  void set_parameters(RankContext&, Message) override {}
  double learning_rate(RankContext&) override { return 0; }
  Message initial_parameters() override { return Message{scenario_.workload.message_bytes(), {}}; }
  void server_update(int, Message&, const Message&, int) override {}

 private:
  const Scenario& scenario_;
};

}  // namespace dtsim
