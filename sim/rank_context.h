// What an algorithm may do on one endpoint (a GPU rank or a server): compute, point-to-point
// messages (blocking and non-blocking), and the clock. Algorithms never touch SimGrid directly.
// Every operation is recorded as spans and folded into the endpoint's iteration breakdown.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/intervals.h"
#include "sim/recorder.h"
#include "sim/scenario.h"

namespace dtsim {

// A message: its simulated size, plus the real tensor when numerics are on.
struct Message {
  double bytes = 0;
  std::vector<float> values;
};

// Shared by all endpoints of one run.
struct Cluster {
  const Scenario& scenario;
  std::vector<simgrid::s4u::Host*> hosts;  // endpoints: GPU ranks first, then servers
  int workers = 0;                         // number of GPU ranks
  Recorder& recorder;
};

class RankContext {
 public:
  class Request {
   public:
    Request() = default;
   private:
    friend class RankContext;
    struct State {
      simgrid::s4u::CommPtr comm;
      Message* received = nullptr;  // filled by SimGrid when a receive completes
      bool is_send = false;
      int peer = -1;
      double bytes = 0;
      double posted = 0;
    };
    std::unique_ptr<State> state_;  // heap: SimGrid writes into it while the Request may move
  };

  RankContext(const Cluster& cluster, int endpoint);
  RankContext(const RankContext&) = delete;
  RankContext& operator=(const RankContext&) = delete;

  int rank() const { return endpoint_; }
  int size() const { return cluster_.workers; }
  int endpoints() const { return static_cast<int>(cluster_.hosts.size()); }
  const Scenario& scenario() const { return cluster_.scenario; }
  double now() const;

  void begin_iteration(int iteration);
  void end_iteration();  // folds this iteration's spans into a breakdown
  int iteration() const { return iteration_; }

  // Simulated computation of `seconds` (deterministic; never the host clock).
  void compute(double seconds);

  Request isend(int peer, Message message);
  Request irecv(int peer);
  Message wait(Request& request);  // the received message, or an empty one for a send
  std::vector<Message> wait_all(std::vector<Request>& requests);
  void send(int peer, Message message);
  Message recv(int peer);

 private:
  simgrid::s4u::Mailbox* mailbox(int from, int to);
  void record(SpanKind kind, double begin, double end, double bytes, int peer);

  const Cluster& cluster_;
  int endpoint_;
  int iteration_ = -1;
  double iteration_begin_ = 0;
  std::unordered_map<long, simgrid::s4u::Mailbox*> mailboxes_;
  std::vector<Interval> compute_spans_, transfer_spans_, wait_spans_;
  double bytes_sent_ = 0;
};

}  // namespace dtsim
