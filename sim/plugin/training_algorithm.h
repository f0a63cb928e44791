// A training algorithm decides what is exchanged when. The engine runs `worker_iteration` on every GPU
// rank and `server_iteration` on each of `server_count` extra endpoints, for every iteration.
// Each algorithm registers itself from its own file with the /algorithm keys it owns (its options),
// and is constructed with their resolved values:
//   const bool registered = TrainingAlgorithmRegistry::add(
//       {"local_sgd", "local SGD / PR-SGD (Yu et al. 2019)", {Option::integer("local_steps", ...), ...}},
//       [](const OptionValues& o) { return std::make_unique<LocalSgd>(o); });
#pragma once
#include "sim/base/json_reader.h"
#include "sim/base/options.h"
#include "sim/engine/rank_context.h"
#include "sim/base/registry.h"
#include "sim/engine/workload.h"

namespace dtsim {

class TrainingAlgorithm {
 public:
  static constexpr const char* family = "algorithm";  // the plugin family: /algorithm/name
  virtual ~TrainingAlgorithm() = default;
  // Algorithm-specific checks of the scenario, reported with JSON paths.
  virtual void validate(const Scenario&, ErrorList&) const {}
  // Endpoints beyond the GPU ranks (parameter servers), each on its own host and link.
  virtual int server_count(const Scenario&) const { return 0; }
  // Where server s runs: -1 (the default) on a host of its own behind its own fabric port; m >= 0 on
  // worker machine m, beside that machine's last GPU (a colocated shard, as BytePS deploys them): its
  // traffic with that machine's GPUs stays on the intra-node links and crosses no NIC.
  virtual int server_machine(const Scenario&, int /*server*/) const { return -1; }
  // Shards each server stands for: 1, or k where k symmetric shards run as one server whose links are
  // k times as wide (algorithms/training/ps_shard_merge.h; the engine widens them). server_count is
  // then the servers simulated, and k x server_count the shards the run reports.
  virtual int shards_per_server(const Scenario&) const { return 1; }
  // Servers on hosts of their own: those the physical topology must give a fabric port.
  int dedicated_servers(const Scenario& s) const {
    int n = 0;
    for (int k = 0; k < server_count(s); ++k) n += server_machine(s, k) < 0 ? 1 : 0;
    return n;
  }
  // Synchronous algorithms leave every replica identical after each iteration (then evaluation and
  // early stopping need only one rank's model); decentralized ones do not.
  // (Parameter servers that hold the model say true too: each worker's model is the server's model
  // of the moment it last pulled, so the first rank to finish an iteration evaluates that.)
  virtual bool keeps_replicas_identical() const { return true; }
  // Whether the ranks run their iterations in lockstep. Then an iteration's time is from the previous
  // iteration's end to the last rank's end; otherwise (asynchronous algorithms) it is the mean over
  // ranks of each rank's own iteration.
  virtual bool synchronous(const Scenario&) const { return true; }
  // The most iterations one worker may run: run.iterations, unless the algorithm ends the run itself
  // (an asynchronous server stops its workers once the run's budget of updates is spent, and fast
  // workers do more of them than slow ones).
  virtual int worker_iteration_limit(const Scenario& s) const { return s.run.iterations; }
  // Whether run.recovery may stop every rank at any instant and restart them from a checkpoint: the
  // algorithm keeps no state across iterations besides the workload's (the model), so a restarted rank
  // picks up where the checkpoint left off.
  virtual bool restartable(const Scenario&) const { return false; }
  // Parameter servers under elastic recovery: how many dead workers the algorithm rides through with
  // its servers going on (asynchronous PS: all but one; synchronous PS: its backup workers), and
  // whether a server shard can be rolled back to its checkpoint (server_failed).
  virtual int worker_failures_tolerated(const Scenario&) const { return 0; }
  virtual bool servers_recoverable(const Scenario&) const { return false; }
  // Shard `server` failed at `at`: its state is lost; it is back at `back`, from its last checkpoint.
  virtual void server_failed(int /*server*/, double /*at*/, double /*back*/) {}
  // Why network.fidelity "analytic" cannot time this algorithm exactly on scenario `s` ("" : it can):
  // only algorithms whose every exchange is a collective over all ranks can use it.
  virtual std::string analytic_blocker(const Scenario&) const {
    return "its messages are point-to-point, not collectives over all ranks";
  }
  virtual void worker_iteration(RankContext& ctx, Workload& work) = 0;
  virtual void server_iteration(RankContext& /*ctx*/, int /*server*/, Workload& /*work*/) {}
};

using TrainingAlgorithmRegistry = Registry<TrainingAlgorithm>;

}  // namespace dtsim
