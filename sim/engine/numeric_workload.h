// The real-numerics workload: every rank computes a real gradient of a real model on its own shard
// (kernels::ReplicaSet) while the simulated clock is charged the scenario's compute time; messages
// carry the real tensors, and the consensus model is evaluated every run.eval_every iterations.
#pragma once
#include <chrono>
#include <memory>
#include <map>
#include <optional>
#include <vector>

#include "kernels/replica_set.h"
#include "sim/engine/workload.h"

namespace dtsim {

// What the numerics produced, for iterations.csv and summary.json.
struct NumericsLog {
  std::vector<double> train_loss;                            // per iteration, mean over ranks
  std::vector<std::optional<kernels::Evaluation>> evaluation;  // per iteration, where evaluated
  std::int64_t samples_processed = 0;
  std::int64_t batched_steps = 0;  // steps whose gradients were computed for all ranks in one pass
  double wall_time_s = 0;  // host time spent in the numerics (informative; not deterministic)
  std::string backend;
  std::string backend_note;
  std::int64_t real_params = 0;
  std::optional<double> distance_to_optimum;
  std::vector<std::vector<float>> final_params;  // per rank, at the end of the run
  // Decentralized algorithms: (1/n) sum_i ||x_i - x_bar||^2 where evaluated, and the spread of
  // the ranks' own test accuracies.
  std::vector<std::optional<double>> consensus_distance;
  std::vector<std::optional<std::pair<double, double>>> rank_accuracy_range;  // min, max  // ||x - x*|| / ||x*|| at the end (least squares)
};

class NumericWorkload : public Workload {
 public:
  // `replicas_identical`: the algorithm keeps every rank's model equal after each iteration.
  // `iteration_slots`: the most iterations a rank may run (the logs are indexed by iteration).
  NumericWorkload(const Scenario& s, bool replicas_identical, int iteration_slots);
  Message gradient_values(RankContext& ctx) override;
  void apply_gradient_sum(RankContext& ctx, const Message& sum, int contributors) override;
  bool finish_iteration(RankContext& ctx) override;
  Message parameters(RankContext& ctx) override;
  void set_parameters(RankContext& ctx, Message parameters) override;
  double learning_rate(RankContext& ctx) override;
  Message initial_parameters() override;
  void server_update(int shard, Message& model_shard, const Message& gradient_sum, int contributors) override;
  GradientLayout gradient_layout() const override;
  void save_rank_checkpoint(int iteration, int rank) override;
  void save_checkpoint(int iteration) override;
  void restore_checkpoint(int iteration) override;
  void discard_checkpoint(int iteration) override;
  void save_server_state(int shard) override;
  void restore_server_state(int shard) override;
  NumericsLog take_log();

 private:
  kernels::Evaluation evaluate_rank(int rank);
  void evaluate_consensus(int iteration);
  bool is_evaluation_iteration(int iteration) const;

  const Scenario& scenario_;
  std::unique_ptr<kernels::ReplicaSet> replicas_;
  NumericsLog log_;
  std::vector<int> loss_count_;  // gradients whose loss was added to log_.train_loss[k]
  int stop_after_ = -1;
  int last_rank_ = 0, last_iteration_ = -1;  // who finished an iteration last; the highest iteration finished
  std::vector<kernels::GradientResult> cache_;  // all ranks' gradients of step cached_step_
  std::vector<char> cache_valid_;                // a rank's entry is used once, and not after its
  std::int64_t cached_step_ = -1;                         // parameters change
  bool replicas_identical_;
  // Decentralized evaluation: each rank's model at the end of iteration k, until all n are in.
  std::map<int, std::vector<std::vector<float>>> snapshots_;
  std::chrono::steady_clock::duration wall_{};
  std::map<int, kernels::Optimizer> server_optimizers_;  // per shard, created at its first update
  std::map<int, std::optional<kernels::Optimizer>> saved_server_optimizers_;  // per shard: at its checkpoint (none: fresh)
  // Checkpoints (run.recovery), by iteration: every rank's parameters, optimizer state and samples
  // taken, bit for bit, as it finished that iteration.
  struct RankState {
    kernels::Vector params;
    kernels::Optimizer optimizer;
    std::int64_t samples = 0;
  };
  using Snapshot = std::vector<RankState>;  // by rank
  RankState rank_state(int rank) const;
  std::map<int, Snapshot> checkpoints_;
  std::map<int, std::map<int, RankState>> rank_checkpoints_;  // by iteration, by rank: not yet complete
  std::vector<std::int64_t> rank_samples_;  // per rank: the samples its gradients took (their sum: samples_processed)
};

}  // namespace dtsim
