#include "algorithms/training/ps_exchange.h"

namespace dtsim {

std::vector<MessageHeader> push_gradient_pull_model(RankContext& ctx, Workload& work, const Message& gradient,
                                                    const std::vector<std::int64_t>& versions) {
  const int k = ctx.endpoints() - ctx.size();
  const Chunks shards(gradient, k);
  std::vector<RankContext::Request> pushes, pulls;
  for (int s = 0; s < k; ++s) {
    Message part = shards.extract(gradient, s);
    part.header.version = versions[static_cast<std::size_t>(s)];
    pushes.push_back(ctx.isend_to_inbox(ctx.size() + s, std::move(part)));
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

ServerEventLoop::Push ServerEventLoop::next_push(RankContext& ctx) {
  if (!started_) {
    pending_ = ctx.irecv_any();
    started_ = true;
  }
  Message gradient = ctx.wait(pending_);
  pending_ = ctx.irecv_any();
  const int worker = gradient.source;
  return Push{worker, std::move(gradient)};
}

void ServerEventLoop::reply(RankContext& ctx, int worker, Message message) {
  ctx.send_detached(worker, std::move(message));
}

}  // namespace dtsim
