#include "sim/engine/overlap_interference.h"

#include <mutex>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace dtsim {

OverlapInterference::OverlapInterference(double slowdown, std::vector<sg4::Host*> hosts)
    : slowdown_(slowdown), hosts_(std::move(hosts)), endpoints_(hosts_.size()) {}

void OverlapInterference::posted(long key, bool is_send, const std::shared_ptr<Flight>& flight) {
  // SimGrid matches a post with the oldest unmatched post of the other kind on the same mailbox.
  if (flight) flight->attempt = attempt_;
  std::deque<Pending>& queue = unmatched_[key];
  if (!queue.empty() && queue.front().is_send != is_send) {
    std::shared_ptr<Flight> other = queue.front().flight;
    queue.pop_front();
    start(other, flight);
  } else {
    queue.push_back({is_send, flight});
  }
}

void OverlapInterference::start(const std::shared_ptr<Flight>& a, const std::shared_ptr<Flight>& b) {
  for (const auto& f : {a, b}) {
    if (!f) continue;
    f->started = true;
    ++endpoints_[static_cast<std::size_t>(f->endpoint)].in_flight;
    notify(f->endpoint);
  }
  // One watcher per transfer waits on one side (the sides share one transfer); a daemon, so that a
  // transfer left behind by a finished run does not keep the simulation alive.
  const std::shared_ptr<Flight>& side = a ? a : b;
  std::shared_ptr<Flight> other = a ? b : nullptr;
  std::shared_ptr<Flight> mine = side;
  sg4::Actor::create("overlap-watch", hosts_[static_cast<std::size_t>(side->endpoint)], [this, mine, other] {
    sg4::Actor::self()->daemonize();
    try {
      mine->comm->wait();
    } catch (const simgrid::Exception&) {
      // A failure (run.recovery) cut or cancelled the transfer: it is over all the same, and its
      // owners get the exception the wait threw (they stop, as the supervisor expects).
      mine->failure = std::current_exception();
      if (other) other->failure = mine->failure;
    }
    finish(*mine);
    if (other) finish(*other);
  });
}

void OverlapInterference::finish(Flight& flight) {
  if (flight.done) return;
  flight.done = true;
  if (flight.attempt != attempt_) return;  // counted no more since reset()
  --endpoints_[static_cast<std::size_t>(flight.endpoint)].in_flight;
  notify(flight.endpoint);
}

void OverlapInterference::reset() {
  ++attempt_;
  unmatched_.clear();
  // Fresh synchronization too: a rank killed while waiting on its endpoint's condition variable stays
  // registered there in SimGrid 3.32, and a later notify would hand the mutex to the dead actor.
  for (Endpoint& e : endpoints_) e = Endpoint{};
}

void OverlapInterference::notify(int endpoint) { endpoints_[static_cast<std::size_t>(endpoint)].changed->notify_all(); }

void OverlapInterference::wait(const std::shared_ptr<Flight>& flight) {
  Endpoint& e = endpoints_[static_cast<std::size_t>(flight->endpoint)];
  std::unique_lock<sg4::Mutex> lock(*e.mutex);
  while (!flight->done) e.changed->wait(lock);
  lock.unlock();
  if (flight->failure) std::rethrow_exception(flight->failure);
}

void OverlapInterference::compute(int endpoint, double seconds) {
  Endpoint& e = endpoints_[static_cast<std::size_t>(endpoint)];
  std::unique_lock<sg4::Mutex> lock(*e.mutex);
  double remaining = seconds;  // nominal seconds of work left
  while (remaining > 0) {
    const double rate = e.in_flight > 0 ? 1.0 / (1.0 + slowdown_) : 1.0;
    const double begin = sg4::Engine::get_clock();
    // Woken early when a transfer of this endpoint starts or ends: the rate may change then.
    if (e.changed->wait_until(lock, begin + remaining / rate) == std::cv_status::timeout) break;
    remaining -= (sg4::Engine::get_clock() - begin) * rate;
  }
}

}  // namespace dtsim
