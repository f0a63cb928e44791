#include "algorithms/training/ps_exchange.h"

#include <algorithm>

namespace dtsim {

std::vector<MessageHeader> push_gradient_pull_model(RankContext& ctx, Workload& work, const Message& gradient,
                                                    const std::vector<std::int64_t>& versions,
                                                    const std::function<ServerEventLoop&(int)>& loop_of) {
  const int k = ctx.endpoints() - ctx.size();
  const Chunks shards(gradient, k);
  std::vector<RankContext::Request> pushes, pulls;
  for (int s = 0; s < k; ++s) {
    Message part = shards.extract(gradient, s);
    part.header.version = versions[static_cast<std::size_t>(s)];
    pushes.push_back(loop_of(s).push(ctx, ctx.size() + s, std::move(part)));
  }
  for (int s = 0; s < k; ++s) pulls.push_back(ctx.irecv(ctx.size() + s));
  ctx.wait_all(pushes);
  std::vector<Message> parts = ctx.wait_all(pulls);
  Message model = gradient;  // same shape: the shards are assigned back in place
  std::vector<MessageHeader> replies;
  for (int s = 0; s < k; ++s) {
    shards.assign(model, s, parts[static_cast<std::size_t>(s)]);
    replies.push_back(parts[static_cast<std::size_t>(s)].header);
  }
  if (!model.values.empty()) work.set_parameters(ctx, std::move(model));
  return replies;
}

void initialize_shard(ServerShard& shard, RankContext& ctx, Workload& work, int server) {
  if (shard.ready) return;
  const Message initial = work.initial_parameters();
  shard.model = Chunks(initial, ctx.endpoints() - ctx.size()).extract(initial, server);
  shard.ready = true;
}

void ShardRecovery::after_update(const ServerShard& shard, int server, Workload& work, int interval) {
  if (version_ >= 0 && (interval <= 0 || shard.version % interval != 0 || shard.version == version_)) return;
  model_ = shard.model;
  version_ = shard.version;
  work.save_server_state(server);
}

bool ShardRecovery::restore_if_failed(ServerShard& shard, RankContext& ctx, int server, Workload& work) {
  if (failures_.empty() || failures_.front().first > ctx.now()) return false;
  double back = 0;
  while (!failures_.empty() && failures_.front().first <= ctx.now()) {  // failures meanwhile: the last return wins
    back = std::max(back, failures_.front().second);
    failures_.erase(failures_.begin());
  }
  ctx.counters().updates_rolled_back += shard.version - version_;
  shard.model = model_;
  shard.version = version_;
  work.restore_server_state(server);
  if (back > ctx.now()) simgrid::s4u::this_actor::sleep_until(back);
  return true;
}

int push_lanes(int workers, int servers) {
  if (workers < 36) return 1;
  // Workers per inbox: 1 up to 4 servers, then servers / 4, so that all servers' inboxes together stay
  // about 4 x workers (a SimGrid mailbox takes ~300 B: 1024 shards of 65,536 workers would otherwise
  // need 67 M of them). A queue then holds at most that many pushes.
  const int sharing = std::max(1, (servers + 3) / 4);
  return (workers + sharing - 1) / sharing;
}

int push_lanes(const Scenario& s, int servers) {
  return s.failures.any() ? 1 : push_lanes(s.cluster.ranks(), servers);
}

simgrid::s4u::Semaphore& ServerEventLoop::arrival() {
  if (!arrival_) arrival_ = simgrid::s4u::Semaphore::create(0);
  return *arrival_;
}

int ServerEventLoop::lanes(const RankContext& ctx) {
  if (lanes_ == 0) lanes_ = push_lanes(ctx.scenario(), ctx.endpoints() - ctx.size());
  return lanes_;
}

RankContext::Request ServerEventLoop::push(RankContext& ctx, int server, Message message) {
  const int lanes = this->lanes(ctx);
  if (lanes == 1) return ctx.isend_to_inbox(server, std::move(message));
  RankContext::Request request = ctx.isend_to_inbox(server, std::move(message), ctx.rank() % lanes, &posted_lanes_);
  if (idle_) {
    idle_ = false;
    arrival().release();
  }
  return request;
}

ServerEventLoop::Push ServerEventLoop::next_push(RankContext& ctx) {
  const int lanes = this->lanes(ctx);
  if (lanes > 1) return next_push_in_posting_order(ctx, lanes);
  for (;;) {
    if (pending_.empty()) pending_.push_back(ctx.irecv_any(0));
    try {
      Message gradient = ctx.wait(pending_[0]);
      pending_[0] = ctx.irecv_any(0);
      const int worker = gradient.source;
      return Push{worker, std::move(gradient)};
    } catch (const simgrid::Exception&) {
      // A worker died in the middle of its push (run.recovery): its transfer failed or was cancelled;
      // post the inbox's receive again and wait for the next one.
      pending_[0] = ctx.irecv_any(0);
    }
  }
}

ServerEventLoop::Push ServerEventLoop::next_push_in_posting_order(RankContext& ctx, int lanes) {
  // Every inbox is claimed before any worker can push, so each push starts the instant it is posted
  // and waits in its inbox behind at most the pushes of the few workers sharing it (a worker has one
  // push in flight per server); a receive is posted only on the inbox whose push is next in the
  // posting order, where that push is the oldest, so the server never has more than one receive
  // outstanding (SimGrid 3.32 scans an actor's outstanding transfers at each completion).
  if (!claimed_) {
    for (int lane = 0; lane < lanes; ++lane) ctx.claim_inbox(lane);
    claimed_ = true;
  }
  while (posted_lanes_.empty()) {
    idle_ = true;
    arrival().acquire();
  }
  const int lane = posted_lanes_.front();
  posted_lanes_.pop_front();
  RankContext::Request receive = ctx.irecv_any(lane);
  Message gradient = ctx.wait(receive);
  const int worker = gradient.source;
  return Push{worker, std::move(gradient)};
}

void ServerEventLoop::reply(RankContext& ctx, int worker, Message message) {
  if (replies_ == Replies::detached) ctx.send_detached(worker, std::move(message));
  else couriers(ctx).send_one(ctx, worker, std::move(message));
}

void ServerEventLoop::reply_all(RankContext& ctx, const std::vector<int>& workers, const Message& message) {
  couriers(ctx).send_all(ctx, workers, message);
}

ReplyCouriers& ServerEventLoop::couriers(const RankContext& ctx) {
  if (!couriers_) couriers_ = std::make_unique<ReplyCouriers>(ctx.size(), ctx.endpoints() - ctx.size());
  return *couriers_;
}

}  // namespace dtsim
