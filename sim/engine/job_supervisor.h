// Runs a synchronous job under failures (scenario.failures) and its recovery policy
// (scenario.run.recovery), as a supervisor actor beside the ranks (torchrun's elastic agent, a Slurm
// job step): it starts the ranks, writes checkpoints when they finish the iterations that call for
// one, and at each failure stops the whole job, turns the failed hosts (or link) off in SimGrid, waits
// detection_time, the repair and restart_time, then restarts every rank from the last complete
// checkpoint (the model rolled back with it). Lost work is run again.
//
// Every component is treated as used by the job (a synchronous job stops when any of its GPUs,
// machines or machine links fails), so a failure interrupts at its own instant; the supervisor, not a
// rank, notices it, after detection_time.
#pragma once
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/engine/engine.h"
#include "sim/engine/failure_model.h"
#include "sim/engine/rank_context.h"
#include "sim/engine/workload.h"

namespace dtsim {

class TrainingAlgorithm;

// What failures and recovery need of the rest of the scenario (errors name the JSON path): a
// synchronous algorithm without servers that can be restarted, step fidelity, no network jitter.
void validate_failures(const Scenario& s, const TrainingAlgorithm& algorithm, ErrorList& errors);

class JobSupervisor {
 public:
  JobSupervisor(Cluster& cluster, TrainingAlgorithm& algorithm, Workload& workload, int iterations, RunResult& result);
  // Creates the supervisor actor (on `host`), which starts the ranks; call before engine.run().
  void start(simgrid::s4u::Host* host);
  // After engine.run(): the ranks that ran their last iteration in the final attempt.
  int finished_ranks() const { return job_done_ ? cluster_.workers : finished_; }
  bool ended_by_failure() const { return log_.ended_by_failure; }
  // Elastic training: the ranks the last attempt ran on (every rank otherwise).
  int final_group_size() const { return group_size(); }
  ResilienceLog take_log();

 private:
  static constexpr double kNever = std::numeric_limits<double>::infinity();
  struct Checkpoint {
    int iteration = -1;
    double taken = 0;      // the state it holds is the job's at this time (the write's start)
    double written = 0;    // complete at this time
  };
  struct Arrivals {        // ranks that finished an iteration, and whether it ends with a checkpoint
    int count = 0;
    bool due = false;
  };

  void supervise();
  void spawn(int first_iteration);
  void rank_loop(int rank, int first_iteration, int attempt);
  void after_iteration(RankContext& ctx, int iteration, bool last);
  bool checkpoint_due(int iteration, double now) const;
  void promote_written(double now);
  void end_stall(double now);        // rank 0 stops waiting on a checkpoint write  // a pending checkpoint whose write is complete becomes the one to use
  // The failure at `e.time`: false if the component was already down (nothing happens).
  bool strike(const FailureEvent& e);
  void interrupt(double t, bool failure = true);  // stops every rank (a failure, or an elastic join)
  // Both recoveries resume the same way: every rank from the committed state, at `resume`, on fresh
  // mailboxes and interference.
  void restart_from_commit(double resume);
  // A rank of attempt `attempt` had a transfer fail: where that attempt is still running, the transfer
  // met a component left down, and the job cannot go on until a restart.
  void cut_off(int rank, int attempt);
  // Elastic training (job_supervisor_elastic.cpp).
  bool elastic_failure(const FailureEvent& e);  // false: too few ranks can ever come back (join "never")
  void elastic_join(double now);                // repaired ranks are back: a rendezvous lets them in
  double elastic_join_time() const;             // the next repair that may let ranks join (inf: none)
  std::vector<int> eligible_at(double t) const; // ranks that could run at t (up, and allowed by `join`)
  std::optional<double> enough_ranks_at(double from) const;  // first time >= from with min_ranks eligible
  void elastic_restart(double stopped, double resume);  // the rendezvous is over: the eligible ranks go on
  // Parameter servers under elastic (job_supervisor_servers.cpp): dead workers leave, the rest go on
  // (false: more dead than the algorithm tolerates); a shard fails and is rolled back.
  bool workers_leave(const FailureEvent& e);
  void server_failure(const FailureEvent& e);
  int group_size() const { return cluster_.live.empty() ? cluster_.workers : static_cast<int>(cluster_.live.size()); }
  bool in_group(int rank) const;
  double lost_since_mark(double t) const;       // work since the state a restart resumes from
  void power(bool on);               // turns the hosts and links that are down off, or back on
  std::string describe(const FailureEvent& e) const;
  std::vector<simgrid::s4u::Host*> hosts_of(const FailureEvent& e) const;
  std::vector<int> ranks_of(const FailureEvent& e) const;  // the GPU ranks a failure takes down
  std::vector<simgrid::s4u::Link*> links_of(int machine) const;

  Cluster& cluster_;
  TrainingAlgorithm& algorithm_;
  Workload& workload_;
  int iterations_;
  RunResult& result_;
  const RecoverySpec& recovery_;
  FailureModel failures_;
  ResilienceLog log_;

  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::ConditionVariablePtr changed_;
  std::vector<simgrid::s4u::ActorPtr> ranks_;
  std::vector<char> rank_done_;
  std::vector<int> completed_;           // per rank: the last iteration it completed in this attempt
  int finished_ = 0;
  bool job_done_ = false;
  std::string cut_off_;  // ResilienceLog::cut_off, set by the rank that met it
  int attempt_ = 0;      // interrupt() calls so far: the ranks spawned since belong to this attempt
  double attempt_start_ = 0;             // when the running attempt (re)started

  std::map<int, Arrivals> arrivals_;
  Checkpoint committed_;                 // the checkpoint a restart resumes from (-1: the initial state)
  std::optional<Checkpoint> pending_;    // being written
  double last_checkpoint_end_ = 0;       // time-based interval: measured from here
  std::optional<double> stalled_since_;  // rank 0 waiting on a checkpoint write since then
  std::vector<std::pair<double, double>> stalls_;  // every such wait

  std::vector<double> down_until_[3];    // per target kind and component: repaired at (0: up)
  bool servers_ = false;                 // the algorithm has parameter servers
  std::vector<char> departed_;           // elastic, join "never": ranks a failure took out for good
};

// A machine's network links, which a link failure turns off: where its GPUs' routes to another machine
// leave the machine (the first link of such a route that no route between two of its own GPUs uses,
// past the GPU's own PCIe path to its NIC on NVLink machines): its NICs' uplinks. `hosts` are the GPU
// ranks, machine-major.
std::vector<simgrid::s4u::Link*> machine_network_links(const std::vector<simgrid::s4u::Host*>& hosts, int gpus_per_node,
                                                      int machines, int machine);

}  // namespace dtsim
