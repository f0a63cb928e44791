#include "algorithms/collectives/operations.h"

#include <algorithm>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/fast.h"

namespace dtsim {

namespace {

// The p - 2 per-message latencies a ring phase's one flow hides (the caller's meeting waits them).
double hidden_latencies(RankContext& ctx, int next, int p) {
  return (p - 2) * fast::route_latency(ctx, ctx.rank(), next);
}

}  // namespace

void reduce_scatter_ring(RankContext& ctx, const std::vector<int>& group, Message& data, Fidelity fidelity) {
  RankContext::CollectiveSpan span(ctx, "reduce_scatter", "ring", data.bytes, static_cast<int>(group.size()));
  const int p = static_cast<int>(group.size());
  if (p == 1) return;
  const int me = index_in_group(group, ctx.rank());
  const int next = group[(me + 1) % p];
  const int prev = group[(me + p - 1) % p];
  if (fidelity == Fidelity::Fast) {
    // Every chunk but its own leaves a rank (n - chunk(me) bytes), carried as one flow.
    fast::ring_flows(ctx, next, prev, data.bytes - Chunks::chunk_bytes(data, p, me));
    auto meeting = fast::meet_after(ctx, group, data.values, hidden_latencies(ctx, next, p));
    if (!data.values.empty()) {
      const Chunks chunks(data, p);
      const Message sum{data.bytes, meeting->sum()};
      chunks.assign(data, me, chunks.extract(sum, me));
    }
    return;
  }
  const Chunks chunks(data, p);
  for (int s = 0; s < p - 1; ++s) {  // rank me ends owning chunk me
    const int send_chunk = (me - s - 1 + 2 * p) % p;
    const int recv_chunk = (me - s - 2 + 2 * p) % p;
    auto incoming = ctx.irecv(prev);
    auto outgoing = ctx.isend(next, chunks.extract(data, send_chunk));
    Message part = ctx.wait(incoming);
    ctx.wait(outgoing);
    chunks.accumulate(data, recv_chunk, part);
  }
}

double reduce_scatter_ring_time(int p, double n, double alpha, double beta) {
  return (p - 1) * alpha + n * (p - 1) / p * beta;
}

void allgather_ring(RankContext& ctx, const std::vector<int>& group, Message& data, Fidelity fidelity) {
  RankContext::CollectiveSpan span(ctx, "allgather", "ring", data.bytes, static_cast<int>(group.size()));
  const int p = static_cast<int>(group.size());
  if (p == 1) return;
  const int me = index_in_group(group, ctx.rank());
  const int next = group[(me + 1) % p];
  const int prev = group[(me + p - 1) % p];
  if (fidelity == Fidelity::Fast) {
    // A rank forwards every chunk but its successor's own: n - chunk(next) bytes.
    fast::ring_flows(ctx, next, prev, data.bytes - Chunks::chunk_bytes(data, p, (me + 1) % p));
    const double hidden = hidden_latencies(ctx, next, p);
    if (data.values.empty()) {
      fast::meet_after(ctx, group, {}, hidden);
      return;
    }
    const Chunks chunks(data, p);
    auto meeting = fast::meet_after(ctx, group, chunks.extract(data, me).values, hidden);
    for (int i = 0; i < p; ++i) chunks.assign(data, i, Message{chunks.bytes(i), meeting->contributions[i]});
    return;
  }
  const Chunks chunks(data, p);
  for (int s = 0; s < p - 1; ++s) {
    const int send_chunk = (me - s + p) % p;
    const int recv_chunk = (me - s - 1 + 2 * p) % p;
    auto incoming = ctx.irecv(prev);
    auto outgoing = ctx.isend(next, chunks.extract(data, send_chunk));
    Message part = ctx.wait(incoming);
    ctx.wait(outgoing);
    chunks.assign(data, recv_chunk, part);
  }
}

double allgather_ring_time(int p, double n, double alpha, double beta) {
  return (p - 1) * alpha + n * (p - 1) / p * beta;
}

void broadcast_binomial(RankContext& ctx, const std::vector<int>& group, int root, Message& data) {
  RankContext::CollectiveSpan span(ctx, "broadcast", "binomial", data.bytes, static_cast<int>(group.size()));
  const int p = static_cast<int>(group.size());
  if (p == 1) return;
  const int me = index_in_group(group, ctx.rank());
  const int vr = (me - root + p) % p;
  auto member = [&](int relative) { return group[(relative + root) % p]; };
  int mask = 1;
  while (mask < p) {
    if (vr & mask) {
      data = ctx.recv(member(vr - mask));
      break;
    }
    mask <<= 1;
  }
  for (mask >>= 1; mask > 0; mask >>= 1)
    if (vr + mask < p) ctx.send(member(vr + mask), data);
}

double broadcast_binomial_time(int p, double n, double alpha, double beta) {
  return ceil_log2(p) * (alpha + n * beta);
}

void reduce_binomial(RankContext& ctx, const std::vector<int>& group, int root, Message& data) {
  RankContext::CollectiveSpan span(ctx, "reduce", "binomial", data.bytes, static_cast<int>(group.size()));
  const int p = static_cast<int>(group.size());
  if (p == 1) return;
  const int me = index_in_group(group, ctx.rank());
  const int vr = (me - root + p) % p;
  auto member = [&](int relative) { return group[(relative + root) % p]; };
  const Chunks whole(data, 1);
  for (int mask = 1; mask < p; mask <<= 1) {
    if (vr & mask) {
      ctx.send(member(vr - mask), data);
      break;
    }
    if (vr + mask < p) whole.accumulate(data, 0, ctx.recv(member(vr + mask)));
  }
}

double reduce_binomial_time(int p, double n, double alpha, double beta) {
  return ceil_log2(p) * (alpha + n * beta);
}

std::vector<Message> neighbor_exchange(RankContext& ctx, const std::vector<int>& peers, const Message& data) {
  std::vector<int> distinct;
  for (int q : peers)
    if (q != ctx.rank() && std::find(distinct.begin(), distinct.end(), q) == distinct.end()) distinct.push_back(q);
  RankContext::CollectiveSpan span(ctx, "neighbor_exchange", "direct", data.bytes,
                                   static_cast<int>(distinct.size()) + 1);  // this rank and its peers
  std::vector<RankContext::Request> receives, sends;
  for (int q : distinct) receives.push_back(ctx.irecv(q));
  for (int q : distinct) sends.push_back(ctx.isend(q, data));
  std::vector<Message> got = ctx.wait_all(receives);
  ctx.wait_all(sends);
  return got;
}

double neighbor_exchange_time(int degree, double n, double alpha, double beta) {
  return degree == 0 ? 0 : alpha + degree * n * beta;
}

}  // namespace dtsim
