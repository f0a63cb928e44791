// Compute slowed by concurrent communication (workload.overlap_slowdown = s): while one of an endpoint's
// transfers is in flight, its compute progresses at 1/(1+s) of its nominal speed. The rate changes
// exactly when a transfer starts or ends in the middle of a computation (piecewise), so compute of 10 ms
// with a transfer in flight during 4 ms of it and s = 0.5 ends at 10 + 4 s/(1+s) = 11.333 ms.
//
// Why: overlapped NCCL kernels compete with the compute kernels for SMs and memory bandwidth, and the
// NIC's DMA for PCIe and memory. Lee et al., "Characterizing Compute-Communication Overlap in
// GPU-Accelerated Distributed Deep Learning: Performance and Power Implications" (arXiv 2507.03114, 2025)
// measured the compute of GPT and LLaMA layers on 4 A100, H100, MI250 and MI210 slowed by 18.9 % on
// average (at most 40.0 %) while collectives ran beside it: s = 0.19 typical, 0.40 worst.
//
// How: SimGrid tells nobody when a transfer starts, so this class mirrors the rendez-vous of the pair
// mailboxes (a FIFO of unmatched posts per mailbox, as SimGrid matches them: a transfer starts when the
// second side is posted), and one watcher actor per started transfer waits for its end and wakes the
// endpoints. The transfer's owners then wait for the watcher, never on the transfer itself (a SimGrid
// transfer must have one waiter per side). Only transfers between GPU ranks are tracked: servers are
// daemons, killed at the end of a run, which SimGrid 3.32 cannot do cleanly to an actor waiting on a
// condition variable; and the parameter-server family computes and communicates in turn.
#pragma once
#include <deque>
#include <exception>
#include <memory>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u.hpp>

namespace dtsim {

class OverlapInterference {
 public:
  // One side of a transfer, shared by its owner's request and the watcher.
  struct Flight {
    int endpoint = -1;
    bool started = false;
    bool done = false;
    int attempt = 0;             // the reset() count when it was posted
    simgrid::s4u::CommPtr comm;  // this side's transfer
    std::exception_ptr failure;  // what the transfer's wait threw (a failure cut it): wait() rethrows it
  };

  OverlapInterference(double slowdown, std::vector<simgrid::s4u::Host*> hosts);
  double slowdown() const { return slowdown_; }

  // A send or receive posted on the pair mailbox `key` by `flight->endpoint` (flight null: a detached
  // send nobody waits for). Starts the transfer when the other side is already posted.
  void posted(long key, bool is_send, const std::shared_ptr<Flight>& flight);
  // Blocks the calling actor until the flight's transfer has ended; throws what waiting on the
  // transfer itself would have (a failure that cut it).
  void wait(const std::shared_ptr<Flight>& flight);
  // Runs `seconds` of nominal compute on `endpoint`, slowed while it has a transfer in flight.
  void compute(int endpoint, double seconds);
  int in_flight(int endpoint) const { return endpoints_[static_cast<std::size_t>(endpoint)].in_flight; }
  // A restart after a failure (run.recovery): the transfers of the stopped attempt no longer count,
  // even those whose watcher died with its host or whose other side was never posted.
  void reset();

 private:
  struct Endpoint {
    int in_flight = 0;
    simgrid::s4u::MutexPtr mutex = simgrid::s4u::Mutex::create();
    simgrid::s4u::ConditionVariablePtr changed = simgrid::s4u::ConditionVariable::create();
  };
  struct Pending {
    bool is_send;
    std::shared_ptr<Flight> flight;
  };
  void start(const std::shared_ptr<Flight>& a, const std::shared_ptr<Flight>& b);
  void finish(Flight& flight);
  void notify(int endpoint);

  double slowdown_;
  std::vector<simgrid::s4u::Host*> hosts_;
  std::vector<Endpoint> endpoints_;
  std::unordered_map<long, std::deque<Pending>> unmatched_;  // per pair mailbox
  int attempt_ = 0;  // reset() calls so far
};

}  // namespace dtsim
