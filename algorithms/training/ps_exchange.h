// The pieces the parameter servers that hold the model share (asynchronous PS, synchronous PS with
// backup workers): a worker's push of its gradient shards and pull of the model shards, and a
// server's event loop over pushes arriving from any worker in any order.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "algorithms/collectives/chunks.h"
#include "sim/engine/rank_context.h"
#include "sim/engine/reply_couriers.h"
#include "sim/engine/workload.h"

namespace dtsim {

class ServerEventLoop;

// Worker side: sends shard s of `gradient` to server s (through its event loop, loop_of(s)) with
// header version versions[s] (the model version it was computed from), then receives every server's
// reply: its model shard and header. Installs the assembled model as the rank's parameters and
// returns the replies' headers.
std::vector<MessageHeader> push_gradient_pull_model(RankContext& ctx, Workload& work, const Message& gradient,
                                                    const std::vector<std::int64_t>& versions,
                                                    const std::function<ServerEventLoop&(int)>& loop_of);

// Server side: the model shard a server holds and updates itself.
struct ServerShard {
  Message model;              // values only with numerics
  std::int64_t version = 0;   // updates applied so far
  bool ready = false;
};

// A shard's checkpoints and failures (run.recovery.policy "elastic"; sim/engine/job_supervisor_servers.cpp):
// the shard saves its model, version and optimizer state every `interval` of its updates (and the
// initial model); a failure loses everything since, and the shard serves again at `back`. The write
// is not charged (written behind the updates, as a PS server snapshots its shard).
class ShardRecovery {
 public:
  void failed(double at, double back) { failures_.push_back({at, back}); }
  // After initialize_shard and after each update: a checkpoint when one is due.
  void after_update(const ServerShard& shard, int server, Workload& work, int interval);
  // Before handling an event: if the shard has failed since, rolls it back to its checkpoint (counting
  // the lost updates), waits until it is back, and returns true.
  bool restore_if_failed(ServerShard& shard, RankContext& ctx, int server, Workload& work);

 private:
  std::vector<std::pair<double, double>> failures_;  // (at, back), in the order they were reported
  Message model_;
  std::int64_t version_ = -1;  // of the checkpoint; -1: none yet
};

// Takes shard `server` of the initial model the first time it is called.
void initialize_shard(ServerShard& shard, RankContext& ctx, Workload& work, int server);

// How many inboxes each of `servers` servers spreads the pushes of `workers` workers over: one per
// worker from 36 workers on (a worker per inbox up to 4 servers, servers / 4 beyond, which keeps all
// inboxes together about 4 x workers), so that no inbox's queue (RankContext::irecv_any) grows with
// the workers; below, one shared inbox whose receive is posted ahead (the server's wait for pushes
// shows in the trace).
int push_lanes(int workers, int servers);
// The inboxes of a scenario's servers: push_lanes(ranks, servers), or one where a worker may die
// mid-push.
int push_lanes(const Scenario& s, int servers);

// A server's mailbox: pushes from every worker arrive in its shared inbox (RankContext::irecv_any) and
// are taken first posted, first taken; replies go out without the server waiting for them,
// completing whenever the worker takes them, so the server never blocks on a slow reader.
// With several inboxes (`lanes`; worker w pushes into lane w % lanes), the workers record the order
// they post in, and the server takes the pushes in that order, as from one inbox: the same pushes in
// the same order at the same times, without SimGrid 3.32's cost of taking a message from a long
// queue (it shifts everything behind it) or of many receives outstanding. Several lanes are for runs
// without failures (a push cancelled in flight would leave its place in the order).
class ServerEventLoop {
 public:
  struct Push {
    int worker;
    Message gradient;
  };
  // `lanes`: the server's inboxes; 0: push_lanes(scenario, servers), decided at first use. A server whose
  // workers post into its inbox themselves (RankContext::isend_to_inbox) needs 1.
  // `Replies::detached`: reply() posts detached transfers instead of handing them to couriers (see
  // reply()).
  enum class Replies { couriers, detached };
  explicit ServerEventLoop(int lanes = 0, Replies replies = Replies::couriers) : lanes_(lanes), replies_(replies) {}
  // Worker side: posts `message` to this loop's server, endpoint `server`.
  RankContext::Request push(RankContext& ctx, int server, Message message);
  Push next_push(RankContext& ctx);  // the next gradient, from any worker
  // Replies go out through couriers (sim/engine/reply_couriers.h: detached transfers cost a scan of
  // all of them at each completion), at the instant of the call, in the order of the calls. A courier
  // posts after the server's own actions of that instant, so transfers may start in another order
  // within the instant; SimGrid's max-min solver then agrees only to its precision, which a
  // contended, first-come schedule can amplify (seen with the BytePS-style deployment's partitions
  // and local aggregation: iteration times moved by up to 2 %; it keeps detached replies).
  void reply(RankContext& ctx, int worker, Message message);
  // The same message to several workers at once (a round's update), in their order.
  void reply_all(RankContext& ctx, const std::vector<int>& workers, const Message& message);

 private:
  simgrid::s4u::Semaphore& arrival();
  int lanes(const RankContext& ctx);
  Push next_push_in_posting_order(RankContext& ctx, int lanes);
  ReplyCouriers& couriers(const RankContext& ctx);
  int lanes_;
  Replies replies_;
  std::vector<RankContext::Request> pending_;  // lanes == 1: the receive posted on the inbox
  bool claimed_ = false;                       // lanes > 1: this server is every inbox's receiver
  std::deque<int> posted_lanes_;               // lanes > 1: the lane of each push not yet taken, in posting order
  simgrid::s4u::SemaphorePtr arrival_;         // lanes > 1: released by a push while the server waits for one
  bool idle_ = false;                          // lanes > 1: the server waits for a push to be posted
  std::unique_ptr<ReplyCouriers> couriers_;
};

}  // namespace dtsim
