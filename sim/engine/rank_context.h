// What an algorithm may do on one endpoint (a GPU rank or a server): compute, point-to-point
// messages (blocking and non-blocking), and the clock. Algorithms never touch SimGrid directly.
// Every operation is recorded as spans and folded into the endpoint's iteration breakdown.
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/engine/input_pipeline.h"
#include "sim/engine/intervals.h"
#include "sim/engine/overlap_interference.h"
#include "sim/engine/recorder.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

// What a parameter-server message says besides its tensor: the model version a gradient was computed
// from (push) or a shard now holds (reply), whether the pushed gradient was dropped as too late, and
// whether the worker should stop (the run's budget of updates is spent).
struct MessageHeader {
  std::int64_t version = 0;
  bool dropped = false;
  bool stop = false;
};

// A message: its simulated size, plus the real tensor when numerics are on, plus its header.
struct Message {
  double bytes = 0;
  std::vector<float> values;
  MessageHeader header = {};
  int source = -1;  // the sending endpoint (set by the send)
  std::int64_t transfer = -1;  // the transfer's id (set by the send; pairs the two sides in the trace)
};

class StragglerModel;
class LinkUsageMeter;

// Shared by all endpoints of one run.
struct Cluster {
  const Scenario& scenario;
  std::vector<simgrid::s4u::Host*> hosts;  // endpoints: GPU ranks first, then servers
  int workers = 0;                         // number of GPU ranks
  Recorder& recorder;
  StragglerModel* stragglers = nullptr;    // none: every rank computes at the nominal speed
  OverlapInterference* interference = nullptr;  // none: communication does not slow compute
  LinkUsageMeter* links = nullptr;              // none: no links.csv (output.links false)
  // Restarts after a failure (run.recovery): each restart talks over fresh mailboxes, so nothing a
  // killed rank left posted can match a receive of the restarted job.
  int epoch = 0;
  // Elastic training (run.recovery.policy "elastic"): the ranks of the running attempt (empty: every
  // rank), how much longer each one computes its gradient (scaling "constant": the global batch is
  // split over fewer ranks) and the factor on the learning rate (scaling "linear": p'/p).
  std::vector<int> live = {};
  double batch_scale = 1;
  double learning_rate_scale = 1;
  std::vector<int> server_machines = {};        // per server: its worker machine, or -1 (a host of its own)
  // The machine an endpoint is on: GPU ranks machine-major (gpus_per_node per machine), each dedicated
  // server on a machine of its own, a colocated one on its worker machine. Transfers between two
  // endpoints of one machine are intra-node.
  int machine_of(int endpoint) const {
    if (endpoint < workers) return endpoint / scenario.cluster.gpus_per_node;
    const std::size_t server = static_cast<std::size_t>(endpoint - workers);
    if (server < server_machines.size() && server_machines[server] >= 0) return server_machines[server];
    return (workers + scenario.cluster.gpus_per_node - 1) / scenario.cluster.gpus_per_node + (endpoint - workers);
  }
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
      std::int64_t transfer = -1;
      std::shared_ptr<OverlapInterference::Flight> flight;  // tracked for overlap_slowdown; else null
      ~State();
    };
    std::unique_ptr<State> state_;  // heap: SimGrid writes into it while the Request may move
  };

  // One collective operation's span in the trace, from construction to destruction (nothing without a
  // trace): what the rank's communication track shows around its transfers.
  class CollectiveSpan {
   public:
    CollectiveSpan(RankContext& ctx, const std::string& operation, const std::string& algorithm, double bytes,
                   int participants);
    ~CollectiveSpan();
    CollectiveSpan(const CollectiveSpan&) = delete;
    CollectiveSpan& operator=(const CollectiveSpan&) = delete;

   private:
    RankContext& ctx_;
    Span span_;
  };

  RankContext(const Cluster& cluster, int endpoint);
  // A rank stopped by a failure (sim/engine/job_supervisor.h) unwinds with transfers in flight: their
  // comms are kept here until SimGrid has cancelled them (SimGrid reports a comm destroyed while it
  // runs). Released by the supervisor once the simulated time has moved on, and after the run.
  static void release_abandoned_transfers();
  RankContext(const RankContext&) = delete;
  RankContext& operator=(const RankContext&) = delete;

  int rank() const { return endpoint_; }
  int size() const { return cluster_.workers; }
  // The ranks taking part in the running attempt: every rank, unless elastic training goes on without
  // failed ones.
  const std::vector<int>& live_ranks() const { return cluster_.live; }
  double learning_rate_scale() const { return cluster_.learning_rate_scale; }
  int endpoints() const { return static_cast<int>(cluster_.hosts.size()); }
  const Scenario& scenario() const { return cluster_.scenario; }
  double now() const;

  void begin_iteration(int iteration);
  void end_iteration();  // folds this iteration's spans into a breakdown
  int iteration() const { return iteration_; }

  // Simulated computation of `seconds` (deterministic; never the host clock); slower while a transfer
  // of this endpoint is in flight when workload.overlap_slowdown > 0. With workload.input_pipeline,
  // a GPU rank's first compute of a sample step first waits for that step's batch from its loader.
  void compute(double seconds);
  // Waits `seconds` as part of a collective (latencies charged without a message, fast fidelity): not a
  // transfer, but inside the collective's wall span.
  void comm_pause(double seconds);

  // Lockstep (analytic fidelity): while one is alive, compute() charges its time without sleeping and
  // now() runs that far ahead of the engine's clock; the analytic meeting that follows
  // (fast::meet_and_wait) takes it with the collective's own wait, so that a rank blocks once per
  // iteration instead of three times (compute, meeting, closed form), the cost that dominates at
  // 65,536 ranks. Any other blocking or posting operation first sleeps the time charged (settle());
  // so does leaving the scope. Only where nothing between the compute and the meeting touches SimGrid.
  class Lockstep {
   public:
    Lockstep(RankContext& ctx, bool on);
    ~Lockstep();
    Lockstep(const Lockstep&) = delete;
    Lockstep& operator=(const Lockstep&) = delete;

   private:
    RankContext& ctx_;
    bool on_;
  };
  // Sleeps the time charged ahead by a Lockstep, if any.
  void settle();
  // Sleeps until simulated time `when` (nothing if it is not later than now()), taking any time charged
  // ahead under a Lockstep.
  void sleep_until(double when);
  // This endpoint blocked in a meeting at virtual time `arrival` (its now() then), and the meeting's
  // last member slept for everybody: the time charged ahead has passed. Throws std::logic_error if the
  // engine's clock is still before `arrival`.
  void caught_up(double arrival);
  // SimGrid's timing precision (surf/precision, 1 ns by default): it sleeps at least that long.
  static double timing_precision();
  // [begin, end] was spent inside a collective's communication (for waits charged by a meeting).
  void communicated(double begin, double end) {
    entered(begin);
    left(end);
  }
  // The mini-batch number of the next gradient: the iteration, unless an algorithm that takes several
  // gradient steps per iteration (local SGD rounds) sets it; reset at every begin_iteration.
  std::int64_t sample_step() const { return sample_step_ >= 0 ? sample_step_ : iteration_; }
  void set_sample_step(std::int64_t step) { sample_step_ = step; }
  // How much slower than nominal this rank computes its gradient for sample_step(), starting now
  // (scenario.stragglers, times the elastic batch scale; 1 without either).
  double compute_factor() const;
  // Whether the engine should end this endpoint's loop after the current iteration (an algorithm
  // whose server says training is over).
  void stop_after_iteration() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }
  AlgorithmCounters& counters() { return cluster_.recorder.counters(); }

  Request isend(int peer, Message message);
  Request irecv(int peer);
  Message wait(Request& request);  // the received message, or an empty one for a send
  std::vector<Message> wait_all(std::vector<Request>& requests);
  // This endpoint's shared inbox: messages from any sender, taken first posted, first taken (a
  // receive takes the oldest message and waits for its transfer to end). The endpoint is its
  // permanent receiver from its first irecv_any on, so a transfer starts as soon as it is posted, as
  // it would with one receive posted per peer, but one receive serves them all (a server facing
  // thousands of workers); post that receive before any sender can post (an earlier send waits for
  // it). The received message's `source` names the sender. An endpoint may have several inboxes
  // (`lane`): SimGrid 3.32 takes a message out of an inbox's queue by shifting all those behind it,
  // so thousands of senders into one inbox cost a quadratic number of moves. `posted_lanes`: where
  // the receiver learns the order messages were posted in across its inboxes (`lane` is appended at
  // the instant the transfer is posted).
  Request irecv_any(int lane = 0);
  // Makes this endpoint the permanent receiver of its inbox `lane` (what the first irecv_any on it
  // does), so that sends into it start as soon as they are posted, before any receive is.
  simgrid::s4u::Mailbox* claim_inbox(int lane);
  Request isend_to_inbox(int peer, Message message, int lane = 0, std::deque<int>* posted_lanes = nullptr);
  // A send nobody waits for (a server's reply): its bytes count, its transfer shows on the receiver.
  void send_detached(int peer, Message message);
  // A send this endpoint does not wait for, booked as sent now (its bytes, transfer id and span); the
  // caller posts `message` (heap-allocated, owned by the transfer once posted) on `mailbox`: detached
  // (send_detached) or by another actor on this endpoint's host (sim/engine/reply_couriers.h).
  struct UnwaitedSend {
    simgrid::s4u::Mailbox* mailbox;
    Message* message;
    std::uint64_t bytes;
  };
  UnwaitedSend book_unwaited_send(int peer, Message message);
  void send(int peer, Message message);
  Message recv(int peer);

 private:
  simgrid::s4u::Mailbox* mailbox(int from, int to);
  simgrid::s4u::Mailbox* inbox(int endpoint, int lane);
  long mailbox_key(int from, int to) const { return static_cast<long>(from) * static_cast<long>(cluster_.hosts.size()) + to; }
  // `pair_key`: the pair mailbox's key, or -1 for a server's inbox.
  Request post_send(simgrid::s4u::Mailbox* box, long pair_key, int peer, Message message);
  void track(Request::State& s, long pair_key);  // overlap_slowdown: the request's side of its transfer
  void entered(double t) { comm_enter_ = std::min(comm_enter_, t); }
  void left(double t) { comm_leave_ = std::max(comm_leave_, t); }
  bool same_machine(int peer) const { return cluster_.machine_of(peer) == cluster_.machine_of(endpoint_); }
  void check_peer(const char* operation, int peer) const;  // throws std::logic_error on a bad peer
  void record(SpanKind kind, double begin, double end, double bytes, int peer, std::int64_t transfer = -1);
  Message finish(Request& request);  // records a completed request's spans and takes its message
  void await_input();  // workload.input_pipeline: before the first compute of a new sample step

  const Cluster& cluster_;
  int endpoint_;
  bool deferring_ = false;  // inside a Lockstep: compute() charges without sleeping
  double ahead_ = 0;        // seconds now() is ahead of the engine's clock
  int iteration_ = -1;
  std::int64_t sample_step_ = -1;
  bool stop_requested_ = false;
  double iteration_begin_ = 0;
  std::unordered_map<long, simgrid::s4u::Mailbox*> mailboxes_;  // pair mailboxes, and inboxes (key < 0)
  std::vector<bool> inbox_claimed_;  // per lane: this actor is that inbox's permanent receiver
  std::vector<Interval> compute_spans_, transfer_spans_, wait_spans_, input_spans_;
  // workload.input_pipeline: this GPU's data loader (made at its first compute), and the sample step
  // whose batch it last handed over.
  double started_;  // when this endpoint's process started (the run's start, or a restart)
  std::optional<InputPipeline> input_;
  std::int64_t input_step_ = -1;
  std::vector<Interval> intra_spans_, inter_spans_;  // transfers within the machine / across machines
  double bytes_sent_ = 0, intra_bytes_ = 0, inter_bytes_ = 0;
  double comm_enter_ = 0, comm_leave_ = 0;  // first post and last completion of the iteration's communication
};

}  // namespace dtsim
