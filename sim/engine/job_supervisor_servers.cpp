// Failures under parameter servers (run.recovery.policy "elastic" with async_parameter_server, or
// parameter_server with backup workers): as in a PS deployment (Li et al., Scaling Distributed Machine
// Learning with the Parameter Server, OSDI 2014), the servers hold the model, so a dead worker's
// gradients simply stop and the servers go on with the others: nothing is rolled back, nobody waits
// for a rendezvous. The synchronous PS takes each update from the first ranks - e gradients (Chen et
// al., Revisiting Distributed Synchronous SGD, 2016), so up to e dead workers cost it no update; one
// more and no update can complete, and the run ends there. A server shard that fails loses its state:
// it is back after server_restore_time from its last checkpoint (the algorithm rolls it back).
#include <algorithm>

#include "sim/engine/job_supervisor.h"
#include "sim/plugin/training_algorithm.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {

bool JobSupervisor::workers_leave(const FailureEvent& e) {
  const double t = e.time;
  const std::vector<int> hit = ranks_of(e);
  std::vector<int> staying;
  int leaving = 0;
  for (int r = 0; r < cluster_.workers; ++r) {
    if (!in_group(r)) continue;
    const bool alive = std::find(hit.begin(), hit.end(), r) == hit.end();
    if (alive || rank_done_[static_cast<std::size_t>(r)]) {  // a worker that had finished stays finished
      staying.push_back(r);
      continue;
    }
    ranks_[static_cast<std::size_t>(r)]->kill();
    rank_done_[static_cast<std::size_t>(r)] = 1;
    departed_[static_cast<std::size_t>(r)] = 1;
    ++leaving;
    log_.events.push_back({"worker leaves", t, t, "rank " + std::to_string(r), -1});
  }
  sg4::this_actor::yield();  // the killed workers unwind before their hosts go down
  power(false);
  if (leaving == 0) return true;
  const int departed = static_cast<int>(std::count(departed_.begin(), departed_.end(), 1));
  if (departed > algorithm_.worker_failures_tolerated(cluster_.scenario)) {
    ++log_.interruptions;  // no update can complete any more: the run ends here
    for (int r : staying)
      if (!rank_done_[static_cast<std::size_t>(r)]) ranks_[static_cast<std::size_t>(r)]->kill();
    return false;
  }
  cluster_.live = staying;
  if (finished_ >= group_size()) {  // the ones left had all finished
    job_done_ = true;
    changed_->notify_all();
  }
  return true;
}

void JobSupervisor::server_failure(const FailureEvent& e) {
  const double back = e.time + recovery_.server_restore_time;
  ++log_.failures;
  log_.events.push_back({"failure", e.time, e.time, describe(e), -1});
  log_.events.push_back({"server restore", e.time, back, describe(e) + " back from its checkpoint", -1});
  algorithm_.server_failed(e.index, e.time, back);
}

}  // namespace dtsim
