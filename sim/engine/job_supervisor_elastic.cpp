// Elastic training (run.recovery.policy "elastic"), as TorchElastic (torchrun's elastic agent) and
// Horovod Elastic define it: a failure stops every worker; the survivors re-rendezvous on a new
// membership, rebuild the collective over it, restore the state committed after the last iteration
// they all finished (Horovod's state.commit() / state.restore(); a joining rank receives it, as
// Horovod's state.sync() broadcasts it) and go on with fewer ranks. Repaired ranks join at a later
// rendezvous: at once ("at_repair", TorchElastic's scale-up restart), at the next failure's
// ("at_failure"), or never. With fewer than min_ranks eligible the job waits for repairs
// (TorchElastic's min_nodes).
//
// With p' of p ranks, "linear" scaling keeps each rank's batch, so the global batch is p'b and the
// learning rate is scaled by p'/p (the linear-scaling rule, Goyal et al., Accurate, Large Minibatch
// SGD: Training ImageNet in 1 Hour, 2017); "constant" keeps the global batch pb and the learning rate:
// each rank computes p/p' times the batch, so p/p' times the compute.
#include <algorithm>

#include "sim/engine/job_supervisor.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {

std::vector<int> JobSupervisor::eligible_at(double t) const {
  const int g = cluster_.scenario.cluster.gpus_per_node;
  auto up = [&](FailureTarget k, int i) {
    return down_until_[static_cast<int>(k)][static_cast<std::size_t>(i)] <= t;  // 0: up; else repaired by t
  };
  std::vector<int> out;
  for (int r = 0; r < cluster_.workers; ++r) {
    const int m = r / g;
    if (!up(FailureTarget::Gpu, r) || !up(FailureTarget::Machine, m) || !up(FailureTarget::Link, m)) continue;
    if (recovery_.join == "never" && departed_[static_cast<std::size_t>(r)]) continue;  // it left for good
    out.push_back(r);
  }
  return out;
}

std::optional<double> JobSupervisor::enough_ranks_at(double from) const {
  std::vector<double> times{from};
  for (const auto& kind : down_until_)
    for (double until : kind)
      if (until > from) times.push_back(until);
  std::sort(times.begin(), times.end());
  for (double t : times)
    if (static_cast<int>(eligible_at(t).size()) >= recovery_.min_ranks) return t;
  return std::nullopt;
}

double JobSupervisor::elastic_join_time() const {
  if (recovery_.join != "at_repair" || servers_) return kNever;  // dead PS workers do not come back
  double first = kNever;
  for (const auto& kind : down_until_)
    for (double until : kind)
      if (until > 0) first = std::min(first, until);
  return first;
}

bool JobSupervisor::elastic_failure(const FailureEvent& e) {
  const double t = std::max(e.time, sg4::Engine::get_clock());
  // A failure of a component no rank of the running job uses (a rank that already left) stops nothing.
  bool hit = false;
  for (int r : ranks_of(e))
    if (in_group(r)) {
      hit = true;
      departed_[static_cast<std::size_t>(r)] = 1;
    }
  if (!hit) {
    power(false);
    return true;
  }
  interrupt(t);
  sg4::this_actor::yield();  // the killed ranks unwind before their hosts go down
  power(false);
  log_.recompute_s += lost_since_mark(t);  // the iteration in flight: back to the last commit
  // The survivors notice (detection_time), wait for min_ranks if too few are left, and rendezvous;
  // a failure meanwhile starts the rendezvous over once it is noticed.
  std::optional<double> ready = enough_ranks_at(t + recovery_.detection_time);
  while (ready) {
    const FailureEvent* next = failures_.peek();
    if (!next || next->time >= *ready + recovery_.rendezvous_time) break;
    const FailureEvent n = failures_.pop();
    sg4::this_actor::sleep_until(n.time);
    if (strike(n)) {
      power(false);
      ready = enough_ranks_at(std::max(*ready, n.time + recovery_.detection_time));
    }
  }
  if (!ready) return false;
  const double resume = *ready + recovery_.rendezvous_time;
  sg4::this_actor::sleep_until(resume);
  log_.rendezvous_s += resume - t;
  elastic_restart(t, resume);
  return true;
}

void JobSupervisor::elastic_join(double now) {
  power(true);  // the repaired hosts and links are back on
  const std::vector<int> eligible = eligible_at(now);
  if (static_cast<int>(eligible.size()) == group_size()) return;  // nothing new can join yet
  interrupt(now, /*failure=*/false);  // TorchElastic restarts every worker on a membership change
  sg4::this_actor::yield();
  log_.recompute_s += lost_since_mark(now);
  const double resume = now + recovery_.rendezvous_time;
  sg4::this_actor::sleep_until(resume);
  log_.rendezvous_s += resume - now;
  elastic_restart(now, resume);
}

void JobSupervisor::elastic_restart(double stopped, double resume) {
  power(true);
  const std::vector<int> eligible = eligible_at(resume);
  const int p = cluster_.workers, live = static_cast<int>(eligible.size());
  // Every rank live: an empty list, so the collective is the one of a run without failures.
  cluster_.live = live == p ? std::vector<int>{} : eligible;
  cluster_.batch_scale = recovery_.scaling == "constant" ? static_cast<double>(p) / live : 1.0;
  cluster_.learning_rate_scale = recovery_.scaling == "linear" ? static_cast<double>(live) / p : 1.0;
  ++log_.rendezvous;
  log_.events.push_back({"rendezvous", stopped, resume,
                         std::to_string(live) + " of " + std::to_string(p) + " ranks, from iteration " +
                             std::to_string(committed_.iteration + 1),
                         committed_.iteration + 1});
  restart_from_commit(resume);
}

}  // namespace dtsim
