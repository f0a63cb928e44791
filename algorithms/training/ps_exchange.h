// The pieces the parameter servers that hold the model share (asynchronous PS, synchronous PS with
// backup workers): a worker's push of its gradient shards and pull of the model shards, and a
// server's event loop over pushes arriving from any worker in any order.
#pragma once
#include <cstdint>
#include <vector>

#include "algorithms/collectives/chunks.h"
#include "sim/engine/rank_context.h"
#include "sim/engine/workload.h"

namespace dtsim {

// Worker side: sends shard s of `gradient` to server s with header version versions[s] (the model
// version it was computed from), then receives every server's reply: its model shard and header.
// Installs the assembled model as the rank's parameters and returns the replies' headers.
std::vector<MessageHeader> push_gradient_pull_model(RankContext& ctx, Workload& work, const Message& gradient,
                                                    const std::vector<std::int64_t>& versions);

// Server side: the model shard a server holds and updates itself.
struct ServerShard {
  Message model;              // values only with numerics
  std::int64_t version = 0;   // updates applied so far
  bool ready = false;
};

// Takes shard `server` of the initial model the first time it is called.
void initialize_shard(ServerShard& shard, RankContext& ctx, Workload& work, int server);

// A server's mailbox: pushes from every worker arrive in its shared inbox (RankContext::irecv_any),
// taken in the order their transfers complete, and replies go out detached, completing whenever the
// worker takes them, so the server never blocks on a slow reader and costs O(1) per message.
class ServerEventLoop {
 public:
  struct Push {
    int worker;
    Message gradient;
  };
  Push next_push(RankContext& ctx);  // the next gradient to arrive, from any worker
  void reply(RankContext& ctx, int worker, Message message);

 private:
  RankContext::Request pending_;  // the receive posted on the inbox
  bool started_ = false;
};

}  // namespace dtsim
