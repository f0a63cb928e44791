#include "sim/engine/job_supervisor.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "sim/engine/link_usage.h"
#include "sim/plugin/training_algorithm.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {

void validate_failures(const Scenario& s, const TrainingAlgorithm& algorithm, ErrorList& errors) {
  if (!s.failures.any() && !s.run.recovery.enabled()) return;
  const std::string what = s.failures.any() ? "failures" : "run.recovery";
  const int servers = algorithm.server_count(s);
  for (const ScheduledFailure& e : s.failures.events) {
    if (e.target != FailureTarget::Server) continue;
    if (e.index >= servers)
      errors.add(e.path + "/server", std::to_string(e.index) + " is not a server shard of \"" + s.algorithm.name +
                                         "\"; allowed: " + (servers > 0 ? "0 to " + std::to_string(servers - 1)
                                                                           : std::string("none (it has no servers)")));
    else if (!algorithm.servers_recoverable(s) || !s.run.recovery.elastic())
      errors.add(e.path + "/server", "a shard failure is modelled for \"async_parameter_server\" and for "
                                     "\"parameter_server\" with backup_workers, under run.recovery.policy \"elastic\"");
  }
  if (servers > 0) {
    // Parameter servers: a dead worker leaves and the servers go on (elastic), nothing else is modelled.
    if (!s.run.recovery.elastic())
      errors.add("/run/recovery/policy", "\"" + s.run.recovery.policy + "\" is not modelled for \"" + s.algorithm.name +
                                             "\"; use \"elastic\" (a dead worker's gradients stop, the servers go on)");
    if (algorithm.worker_failures_tolerated(s) == 0)
      errors.add("/algorithm/backup_workers", "is 0: every update of \"" + s.algorithm.name + "\" waits for every "
                                              "worker, so a failure stops the run for good; give backup_workers >= 1 "
                                              "(the failures they absorb), or use \"async_parameter_server\"");
    if (algorithm.server_machine(s, 0) >= 0)
      errors.add("/algorithm/placement", "\"colocated\" is not modelled with " + what +
                                             " (a machine's failure would take its shard down); use \"dedicated\"");
  } else if (!algorithm.synchronous(s) || !algorithm.restartable(s))
    errors.add("/algorithm/name", "\"" + s.algorithm.name + "\" cannot be stopped and restarted by " + what +
                                      " (modelled for synchronous algorithms without servers whose only state is the "
                                      "model: \"allreduce\" without workload.fusion or compression)");
  if (s.network.fidelity != "step")
    errors.add("/network/fidelity", "\"" + s.network.fidelity + "\" is not modelled with " + what +
                                        " (a collective stopped half-way); use \"step\"");
  if (s.stragglers.jitter_sigma > 0)
    errors.add("/stragglers/network_jitter", "is not modelled with " + what + "; remove one of them");
  if (s.run.recovery.elastic() && s.run.recovery.scaling == "constant" && s.workload.numerics.enabled)
    errors.add("/run/recovery/scaling", "\"constant\" (each live rank computes a larger batch) is not modelled with "
                                        "real numerics, whose per-rank batch is fixed; use \"linear\"");
}

JobSupervisor::JobSupervisor(Cluster& cluster, TrainingAlgorithm& algorithm, Workload& workload, int iterations,
                             RunResult& result)
    : cluster_(cluster), algorithm_(algorithm), workload_(workload), iterations_(iterations), result_(result),
      recovery_(cluster.scenario.run.recovery),
      failures_(cluster.scenario.failures, cluster.scenario.seed, cluster.workers, cluster.scenario.cluster.nodes) {
  down_until_[static_cast<int>(FailureTarget::Gpu)].assign(static_cast<std::size_t>(cluster.workers), 0.0);
  down_until_[static_cast<int>(FailureTarget::Machine)].assign(static_cast<std::size_t>(cluster.scenario.cluster.nodes), 0.0);
  down_until_[static_cast<int>(FailureTarget::Link)].assign(static_cast<std::size_t>(cluster.scenario.cluster.nodes), 0.0);
  log_.job_failure_rate = failures_.failure_rate();
  departed_.assign(static_cast<std::size_t>(cluster.workers), 0);
  servers_ = algorithm.server_count(cluster.scenario) > 0;
}

void JobSupervisor::start(sg4::Host* host) {
  sg4::Actor::create("job_supervisor", host, [this] { supervise(); });
}

void JobSupervisor::spawn(int first_iteration) {
  const int n = cluster_.workers;
  ranks_.assign(static_cast<std::size_t>(n), nullptr);
  rank_done_.assign(static_cast<std::size_t>(n), 0);
  completed_.assign(static_cast<std::size_t>(n), first_iteration - 1);
  finished_ = 0;
  for (int w = 0; w < n; ++w) {
    if (!in_group(w)) {  // elastic: a rank left out of this attempt
      rank_done_[static_cast<std::size_t>(w)] = 1;
      continue;
    }
    ranks_[static_cast<std::size_t>(w)] =
        sg4::Actor::create("rank" + std::to_string(w), cluster_.hosts[static_cast<std::size_t>(w)],
                           [this, w, first_iteration, attempt = attempt_] { rank_loop(w, first_iteration, attempt); });
  }
}

bool JobSupervisor::in_group(int rank) const {
  return cluster_.live.empty() || std::binary_search(cluster_.live.begin(), cluster_.live.end(), rank);
}

void JobSupervisor::rank_loop(int rank, int first_iteration, int attempt) {
  try {
    RankContext ctx(cluster_, rank);
    for (int it = first_iteration; it < iterations_; ++it) {
      ctx.begin_iteration(it);
      algorithm_.worker_iteration(ctx, workload_);
      const bool stop = workload_.finish_iteration(ctx);
      after_iteration(ctx, it, stop || ctx.stop_requested() || it + 1 == iterations_);
      ctx.end_iteration();
      completed_[static_cast<std::size_t>(rank)] = it;
      result_.iterations_run = std::max(result_.iterations_run, it + 1);
      if (stop || ctx.stop_requested()) break;
    }
  } catch (const simgrid::NetworkFailureException&) {
    // A transfer crossed a dead link or host: either the supervisor is stopping this attempt (a peer
    // it killed), or the route crosses a component an earlier failure left down.
    cut_off(rank, attempt);
    return;
  } catch (const simgrid::HostFailureException&) {
    cut_off(rank, attempt);
    return;
  }
  rank_done_[static_cast<std::size_t>(rank)] = 1;
  if (++finished_ == group_size()) {
    job_done_ = true;
    changed_->notify_all();
  }
}

void JobSupervisor::cut_off(int rank, int attempt) {
  // No lock on mutex_: this rank may be being killed (a stopped attempt), and SimGrid 3.32 leaves a
  // mutex a killed actor held or waited for unusable. Actors run one at a time, so none is needed.
  if (attempt != attempt_ || !cut_off_.empty()) return;  // a stopped attempt's rank: nothing is cut off
  // Until a failure or a join restarts the job (the supervisor ends the run if none will come).
  cut_off_ = "rank " + std::to_string(rank) + "'s transfer at simulated time " +
             std::to_string(sg4::Engine::get_clock()) + " s crossed a machine or link that an earlier failure "
             "left down (network.topology \"" + cluster_.scenario.network.topology + "\"" +
             (cluster_.scenario.network.topology == "torus" ? ": a torus routes traffic through other machines' links"
                                                           : "") +
             "), so the ranks left cannot all reach each other, and no repair or later failure restarts the job; "
             "give run.recovery.join \"at_repair\", or a topology whose routes between live machines avoid "
             "failed ones";
  changed_->notify_all();
}

bool JobSupervisor::checkpoint_due(int iteration, double now) const {
  if (recovery_.elastic()) return true;  // an in-memory commit after every iteration (Horovod's state.commit())
  if (recovery_.interval_iterations > 0) return (iteration + 1) % recovery_.interval_iterations == 0;
  return now - last_checkpoint_end_ >= recovery_.interval_seconds;
}

void JobSupervisor::promote_written(double now) {
  if (!pending_ || pending_->written > now) return;
  if (committed_.iteration != pending_->iteration) workload_.discard_checkpoint(committed_.iteration);
  committed_ = *pending_;
  pending_.reset();
  if (!recovery_.elastic()) ++log_.checkpoints;  // elastic commits are not checkpoints written
}

void JobSupervisor::after_iteration(RankContext& ctx, int iteration, bool last) {
  if (!recovery_.enabled() || last) return;  // no checkpoint after the run's last iteration
  if (servers_) return;                      // parameter servers: the workers hold no state to commit
  promote_written(ctx.now());
  Arrivals& a = arrivals_[iteration];
  if (a.count == 0) a.due = checkpoint_due(iteration, ctx.now());  // the first rank in decides for all
  const bool due = a.due, last_in = ++a.count == group_size();
  if (last_in) arrivals_.erase(iteration);
  if (!due) return;
  // This rank's state now: a decentralized rank whose neighbours let it go on may be past `iteration`
  // by the time the last rank finishes it.
  workload_.save_rank_checkpoint(iteration, ctx.rank());
  const bool rank0 = ctx.rank() == 0;  // the job's stalls are timed on rank 0 (the ranks run in lockstep)
  if (pending_ && pending_->written > ctx.now()) {
    // The previous write (blocking: false) is still going on: the next one waits for it.
    if (rank0) stalled_since_ = ctx.now();
    sg4::this_actor::sleep_until(pending_->written);
    if (rank0) end_stall(ctx.now());
    promote_written(ctx.now());
  }
  const double now = ctx.now();
  if (last_in) {  // every rank has finished `iteration`: the checkpoint holds the state each saved then
    workload_.save_checkpoint(iteration);
    pending_ = Checkpoint{iteration, now, now + recovery_.checkpoint_time};
    last_checkpoint_end_ = recovery_.blocking ? pending_->written : now;
    if (!recovery_.elastic())
      log_.events.push_back({"checkpoint", now, pending_->written, "iteration " + std::to_string(iteration), iteration});
  }
  if (recovery_.blocking && recovery_.checkpoint_time > 0) {
    if (rank0) stalled_since_ = now;
    sg4::this_actor::sleep_for(recovery_.checkpoint_time);
    if (rank0) end_stall(ctx.now());
  }
  promote_written(ctx.now());
}

std::vector<sg4::Host*> JobSupervisor::hosts_of(const FailureEvent& e) const {
  const int g = cluster_.scenario.cluster.gpus_per_node;
  std::vector<sg4::Host*> out;
  if (e.target == FailureTarget::Gpu) out.push_back(cluster_.hosts[static_cast<std::size_t>(e.index)]);
  if (e.target == FailureTarget::Machine)
    for (int r = e.index * g; r < (e.index + 1) * g; ++r) out.push_back(cluster_.hosts[static_cast<std::size_t>(r)]);
  return out;
}

std::vector<int> JobSupervisor::ranks_of(const FailureEvent& e) const {
  if (e.target == FailureTarget::Gpu) return {e.index};
  if (e.target == FailureTarget::Server) return {};
  const int g = cluster_.scenario.cluster.gpus_per_node;  // a machine, or its link: all its GPUs
  std::vector<int> out;
  for (int r = e.index * g; r < (e.index + 1) * g; ++r) out.push_back(r);
  return out;
}

std::vector<sg4::Link*> JobSupervisor::links_of(int machine) const {
  return machine_network_links(cluster_.hosts, cluster_.scenario.cluster.gpus_per_node, cluster_.scenario.cluster.nodes,
                               machine);
}

std::vector<sg4::Link*> machine_network_links(const std::vector<sg4::Host*>& hosts, int gpus_per_node, int machines,
                                             int machine) {
  const int g = gpus_per_node;
  const auto host = [&](int m, int j) { return hosts[static_cast<std::size_t>(m * g + j)]; };
  std::set<sg4::Link*> inside;
  for (int a = 0; a < g; ++a)
    for (int b = 0; b < g; ++b) {
      if (a == b) continue;
      std::vector<sg4::Link*> route;
      host(machine, a)->route_to(host(machine, b), route, nullptr);
      inside.insert(route.begin(), route.end());
    }
  std::vector<sg4::Link*> out;
  for (int a = 0; a < g; ++a) {
    std::vector<sg4::Link*> route;
    host(machine, a)->route_to(host((machine + 1) % machines, 0), route, nullptr);
    for (sg4::Link* l : route)
      if (!inside.count(l) && link_tier(l->get_name()) != "pcie") {
        if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
        break;
      }
  }
  return out;
}

std::string JobSupervisor::describe(const FailureEvent& e) const {
  const std::string n = std::to_string(e.index);
  if (e.target == FailureTarget::Gpu) return "gpu " + n;
  if (e.target == FailureTarget::Machine) return "machine " + n;
  if (e.target == FailureTarget::Server) return "server " + n;
  return "link of machine " + n;
}

bool JobSupervisor::strike(const FailureEvent& e) {
  const double t = e.time;
  const int g = cluster_.scenario.cluster.gpus_per_node;
  const int machine = e.target == FailureTarget::Gpu ? e.index / g : e.index;
  auto down = [&](FailureTarget k, int i) { return down_until_[static_cast<int>(k)][static_cast<std::size_t>(i)] > t; };
  // A component that is down cannot fail again; nor can a GPU or link of a machine that is down.
  if (down(e.target, e.index) || down(FailureTarget::Machine, machine)) return false;
  down_until_[static_cast<int>(e.target)][static_cast<std::size_t>(e.index)] = e.repaired_at;
  ++log_.failures;
  log_.events.push_back({"failure", t, t, describe(e), -1});
  return true;
}

void JobSupervisor::interrupt(double t, bool failure) {
  if (failure) ++log_.interruptions;
  ++attempt_;        // the ranks stopped now belong to an attempt that is over
  cut_off_.clear();  // the restart that follows rebuilds the routes over the live machines
  for (std::size_t r = 0; r < ranks_.size(); ++r)
    if (!rank_done_[r]) ranks_[r]->kill();  // the whole job stops (torchrun tears down every worker)
  ranks_.clear();
  promote_written(t);
  if (pending_) {  // the write in flight is lost
    workload_.discard_checkpoint(pending_->iteration);
    pending_.reset();
  }
  if (stalled_since_) end_stall(t);
}

double JobSupervisor::lost_since_mark(double t) const {
  const double mark = std::max(committed_.taken, attempt_start_);
  double stalls_since_mark = 0;
  for (auto [begin, end] : stalls_) stalls_since_mark += std::max(0.0, std::min(end, t) - std::max(begin, mark));
  return t - mark - stalls_since_mark;
}

void JobSupervisor::end_stall(double now) {
  stalls_.emplace_back(*stalled_since_, now);
  log_.checkpoint_s += now - *stalled_since_;
  stalled_since_.reset();
}

// Turns the hosts and links of every component that is down off (in SimGrid: what runs there dies,
// transfers through them fail), or, once repaired, back on.
void JobSupervisor::power(bool on) {
  const double now = sg4::Engine::get_clock();
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < down_until_[k].size(); ++i) {
      const double until = down_until_[k][i];
      if (until <= 0 || (on && until > now)) continue;
      const FailureEvent e{0, static_cast<FailureTarget>(k), static_cast<int>(i), -1, until};
      for (sg4::Host* h : hosts_of(e)) {
        if (on) {
          if (!h->is_on()) h->turn_on();
          continue;
        }
        if (h == sg4::this_actor::get_host()) {  // the supervisor moves to a live host first
          sg4::Host* live = nullptr;
          for (sg4::Host* other : cluster_.hosts)
            if (other != h && other->is_on() && !live) live = other;
          if (!live) continue;  // every host is down: the supervisor's stays on, with nothing on it
          sg4::this_actor::set_host(live);
        }
        if (h->is_on()) h->turn_off();
      }
      if (k == static_cast<int>(FailureTarget::Link))
        for (sg4::Link* l : links_of(static_cast<int>(i))) {
          if (on && !l->is_on()) l->turn_on();
          if (!on && l->is_on()) l->turn_off();
        }
      if (on) down_until_[k][i] = 0;
    }
}

void JobSupervisor::supervise() {
  mutex_ = sg4::Mutex::create();
  changed_ = sg4::ConditionVariable::create();
  workload_.save_checkpoint(-1);  // a restart before the first checkpoint starts from the beginning
  spawn(0);
  for (;;) {
    bool join_now = false;
    {
      std::unique_lock<sg4::Mutex> lock(*mutex_);
      if (job_done_) break;
      const FailureEvent* next = failures_.peek();
      const double join = recovery_.elastic() ? elastic_join_time() : kNever;
      const double wake = std::min(next ? next->time : kNever, join);
      if (wake == kNever && !cut_off_.empty()) {
        // Ranks cut off from each other wait for a failure or a join to restart them: none will come.
        log_.cut_off = cut_off_;
        lock.unlock();
        interrupt(sg4::Engine::get_clock(), /*failure=*/false);
        log_.ended_by_failure = true;
        break;
      }
      if (wake == kNever) {
        changed_->wait(lock);
        continue;
      }
      if (sg4::Engine::get_clock() < wake) {
        changed_->wait_until(lock, wake);
        continue;
      }
      join_now = join < (next ? next->time : kNever);  // repaired ranks are back before the next failure
    }
    if (join_now) {
      elastic_join(sg4::Engine::get_clock());
      continue;
    }
    const FailureEvent e = failures_.pop();
    if (e.target == FailureTarget::Server) {  // a parameter-server shard: rolled back, the job goes on
      server_failure(e);
      continue;
    }
    if (!strike(e)) continue;
    if (recovery_.elastic() && servers_) {
      if (workers_leave(e)) continue;
      log_.ended_by_failure = true;  // more dead workers than the algorithm rides through
      break;
    }
    if (recovery_.elastic()) {
      if (elastic_failure(e)) continue;
      log_.ended_by_failure = true;  // fewer than min_ranks left, none to come back
      break;
    }
    const double t = e.time;
    interrupt(t);
    sg4::this_actor::yield();  // the killed ranks unwind before their hosts go down
    power(false);
    if (!recovery_.enabled()) {
      log_.ended_by_failure = true;
      break;
    }
    // Lost: the work since the state the restart resumes from, but for the checkpoint stalls in it
    // (counted as checkpoint time).
    log_.recompute_s += lost_since_mark(t);
    // Down until detected, every failed component is back, and the job has restarted; failures
    // meanwhile push the resumption back.
    auto resume_time = [&] {
      double back = t + recovery_.detection_time;
      for (const auto& kind : down_until_)
        for (double until : kind) back = std::max(back, until);
      return back + recovery_.restart_time;
    };
    double resume = resume_time();
    while (const FailureEvent* n = failures_.peek()) {
      if (n->time >= resume) break;
      sg4::this_actor::sleep_until(n->time);
      if (strike(failures_.pop())) {
        power(false);
        resume = resume_time();
      }
    }
    sg4::this_actor::sleep_until(resume);
    log_.down_s += resume - t;
    log_.events.push_back({"down", t, resume, "detection, repair and restart", -1});
    power(true);
    log_.events.push_back({"restart", resume, resume, "from iteration " + std::to_string(committed_.iteration),
                           committed_.iteration + 1});
    restart_from_commit(resume);
  }
  if (log_.ended_by_failure) {
    // The run ends here: it reports the iterations every rank completed.
    int done = -1;
    for (std::size_t r = 0; r < completed_.size(); ++r)
      if (in_group(static_cast<int>(r))) done = done < 0 ? completed_[r] : std::min(done, completed_[r]);
    result_.recorder.drop_iterations_after(done);
    result_.iterations_run = done + 1;
  }
  promote_written(sg4::Engine::get_clock());
  log_.final_ranks = group_size();
  for (int i : failures_.scheduled_not_taken())
    log_.unreached.push_back(cluster_.scenario.failures.events[static_cast<std::size_t>(i)].path);
}

void JobSupervisor::restart_from_commit(double resume) {
  workload_.restore_checkpoint(committed_.iteration);
  result_.recorder.drop_iterations_after(committed_.iteration);
  result_.iterations_run = committed_.iteration + 1;
  RankContext::release_abandoned_transfers();  // cancelled long ago (at the failure)
  ++cluster_.epoch;
  if (cluster_.interference) cluster_.interference->reset();  // the stopped attempt's transfers
  arrivals_.clear();
  attempt_start_ = resume;
  last_checkpoint_end_ = resume;
  spawn(committed_.iteration + 1);
}

ResilienceLog JobSupervisor::take_log() { return std::move(log_); }

}  // namespace dtsim
