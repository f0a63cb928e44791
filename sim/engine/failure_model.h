// Draws the failures of a scenario (FailureSpec) in time order: every GPU, machine and machine link
// with a failure process is a renewal process (a lifetime, a failure, repair_time down, a fresh
// lifetime), merged with the scheduled events. Lifetime number k of component c is a pure function of
// (seed, component kind, c, k), so the same scenario and seed give the same failures bit for bit.
#pragma once
#include <memory>
#include <queue>
#include <vector>

#include "sim/plugin/failure_process.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

struct FailureEvent {
  double time = 0;
  FailureTarget target = FailureTarget::Machine;
  int index = 0;               // GPU rank or machine
  int scheduled = -1;          // index into failures.events, or -1 for a drawn failure
  double repaired_at = 0;      // when the component is back
};

class FailureModel {
 public:
  FailureModel(const FailureSpec& spec, std::uint64_t seed, int ranks, int machines);
  // The next failure (time order; ties by kind, then index), without taking it; nullptr when none.
  const FailureEvent* peek() const { return queue_.empty() ? nullptr : &queue_.top(); }
  // Takes the next failure and, for a drawn one, draws that component's following failure (after
  // its repair).
  FailureEvent pop();
  // Failures per second of the whole job under the processes' mean lifetimes (scheduled events
  // aside): sum over components of 1 / MTBF. 0 without processes.
  double failure_rate() const { return rate_; }
  // The scheduled events (indexes into failures.events) not taken yet.
  std::vector<int> scheduled_not_taken() const;

 private:
  struct Later {
    bool operator()(const FailureEvent& a, const FailureEvent& b) const;
  };
  void draw_next(FailureTarget target, int index, double after);

  FailureSpec spec_;
  std::uint64_t seed_;
  std::unique_ptr<FailureProcess> gpu_, machine_, link_;
  std::vector<char> taken_;             // per scheduled event
  std::vector<std::int64_t> drawn_[3];  // per kind and component: lifetimes drawn so far
  std::priority_queue<FailureEvent, std::vector<FailureEvent>, Later> queue_;
  double rate_ = 0;
};

}  // namespace dtsim
