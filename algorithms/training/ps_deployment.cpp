#include "algorithms/training/ps_deployment.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>

#include <simgrid/s4u.hpp>

#include "algorithms/training/ps_exchange.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {

std::vector<PsPiece> make_pieces(const BucketSchedule& schedule, double partition_bytes, int shards) {
  std::vector<PsPiece> pieces;
  for (std::size_t b = 0; b < schedule.buckets.size(); ++b) {
    const GradientBucket& bucket = schedule.buckets[b];
    const double size = partition_bytes > 0 ? partition_bytes : bucket.bytes / shards;
    const auto count = static_cast<std::size_t>(std::max(1.0, std::ceil(bucket.bytes / size - 1e-9)));
    const double params_per_byte = bucket.bytes > 0 ? bucket.params / bucket.bytes : 0;
    for (std::size_t i = 0; i < count; ++i) {
      PsPiece p;
      p.bucket = b;
      p.first_layer = bucket.first_layer;
      const double begin = static_cast<double>(i) * size;
      const double end = i + 1 == count ? bucket.bytes : std::min(bucket.bytes, begin + size);
      p.bytes = end - begin;
      p.param_begin = bucket.param_begin + begin * params_per_byte;
      p.param_end = i + 1 == count ? bucket.param_end : bucket.param_begin + end * params_per_byte;
      p.shard = static_cast<int>(pieces.size() % static_cast<std::size_t>(shards));
      pieces.push_back(p);
    }
  }
  return pieces;
}

// The pieces ready to push, taken in push order: the order they became ready (fifo), or the earliest
// layer first and among equals the order they became ready (priority). O(log n) per piece: a tiny
// partition_bytes makes tens of thousands of pieces per iteration.
class ReadyPieces {
 public:
  void add(std::size_t piece, std::size_t rank) { ready_.emplace(rank, arrivals_++, piece); }
  bool empty() const { return ready_.empty(); }
  std::size_t take() {
    const std::size_t piece = std::get<2>(*ready_.begin());
    ready_.erase(ready_.begin());
    return piece;
  }

 private:
  std::set<std::tuple<std::size_t, std::uint64_t, std::size_t>> ready_;  // (rank, arrival, piece)
  std::uint64_t arrivals_ = 0;
};

struct PsPushPull::Iteration {
  int rank = 0;
  Message gradient;             // the rank's own gradient (values with numerics)
  Message sum;                  // the pulled sums, assembled (values with numerics)
  std::vector<Message> partial; // per piece: what this rank pushes (a root: its machine's running sum)
  std::vector<int> contributions;    // per piece: gradients in `partial` so far
  int needed = 1;                    // contributions a piece needs before it is pushed
  ReadyPieces queue;                 // pieces ready to push
  std::vector<std::size_t> bucket_left;  // per bucket: pieces not yet pulled
  sg4::MutexPtr mutex = sg4::Mutex::create();
  sg4::ConditionVariablePtr changed = sg4::ConditionVariable::create();
  std::vector<sg4::ActorPtr> actors;
  void join() {
    for (sg4::ActorPtr& a : actors) a->join();
    actors.clear();
  }
};

struct PsPushPull::Server {
  // One inbox: the pieces are posted into it directly (isend_to_inbox). Detached replies: a few per
  // piece, and through couriers this schedule's times move (ServerEventLoop::reply).
  ServerEventLoop loop{1, ServerEventLoop::Replies::detached};
  std::vector<int> count;    // per piece: pushes received this iteration
  std::vector<Message> sum;  // per piece: their sum
};

PsPushPull::PsPushPull(const Scenario& s, const PsDeployment& d, int shards)
    : scenario_(s),
      deployment_(d),
      local_(d.local_aggregation && s.cluster.gpus_per_node > 1),
      overlap_(s.workload.fusion.overlaps()),
      gpus_(s.cluster.gpus_per_node),
      shards_(shards),
      schedule_(make_bucket_schedule(s.workload)),
      pieces_(make_pieces(schedule_, d.partition_bytes, shards)),
      in_flight_(static_cast<std::size_t>(s.cluster.ranks())) {
  servers_.resize(static_cast<std::size_t>(shards));
}

PsPushPull::~PsPushPull() = default;

namespace {
Message slice(const BucketSchedule& s, const Message& whole, const PsPiece& p) {
  Message m{p.bytes, {}};
  if (!whole.values.empty()) {
    auto [begin, end] = s.value_range(p.param_begin, p.param_end, whole.values.size());
    m.values.assign(whole.values.begin() + static_cast<std::ptrdiff_t>(begin),
                    whole.values.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return m;
}
void add_into(Message& into, const Message& part) {
  for (std::size_t i = 0; i < into.values.size() && i < part.values.size(); ++i) into.values[i] += part.values[i];
}
}  // namespace

void PsPushPull::piece_ready(Iteration& it, std::size_t piece) {
  std::unique_lock<sg4::Mutex> lock(*it.mutex);
  if (++it.contributions[piece] == it.needed) it.queue.add(piece, push_rank(piece));
  it.changed->notify_all();
}

void PsPushPull::push_stream(RankContext& ctx, Iteration& it) {
  const int root = root_of(it.rank);
  for (std::size_t sent = 0; sent < pieces_.size(); ++sent) {
    std::size_t piece = 0;
    {
      std::unique_lock<sg4::Mutex> lock(*it.mutex);
      while (it.queue.empty()) it.changed->wait(lock);
      piece = it.queue.take();
    }
    Message m = std::move(it.partial[piece]);
    m.header.version = static_cast<std::int64_t>(piece);
    RankContext::Request r = root == it.rank ? ctx.isend_to_inbox(ctx.size() + pieces_[piece].shard, std::move(m))
                                             : ctx.isend(root, std::move(m));
    ctx.wait(r);
  }
}

void PsPushPull::local_receiver(RankContext& ctx, Iteration& it, int peer) {
  for (std::size_t k = 0; k < pieces_.size(); ++k) {
    Message m = ctx.recv(peer);
    const auto piece = static_cast<std::size_t>(m.header.version);
    std::unique_lock<sg4::Mutex> lock(*it.mutex);
    add_into(it.partial[piece], m);
    if (++it.contributions[piece] == it.needed) it.queue.add(piece, push_rank(piece));
    it.changed->notify_all();
  }
}

void PsPushPull::pull_receiver(RankContext& ctx, Iteration& it, int source, int count) {
  const bool forwards = local_ && root_of(it.rank) == it.rank;
  for (int k = 0; k < count; ++k) {
    Message m = ctx.recv(source);
    const auto piece = static_cast<std::size_t>(m.header.version);
    if (forwards)  // the root hands the machine's pulled piece to its peers
      for (int g = it.rank + 1; g < it.rank + gpus_; ++g) ctx.send_detached(g, m);
    if (!it.sum.values.empty()) {
      auto [begin, end] = schedule_.value_range(pieces_[piece].param_begin, pieces_[piece].param_end, it.sum.values.size());
      std::copy(m.values.begin(), m.values.begin() + static_cast<std::ptrdiff_t>(end - begin),
                it.sum.values.begin() + static_cast<std::ptrdiff_t>(begin));
    }
    std::unique_lock<sg4::Mutex> lock(*it.mutex);
    --it.bucket_left[pieces_[piece].bucket];
    it.changed->notify_all();
  }
}

void PsPushPull::start_iteration(RankContext& ctx, Iteration& it) {
  const int rank = ctx.rank();
  it.rank = rank;
  const bool root = root_of(rank) == rank;
  it.needed = local_ && root ? gpus_ : 1;
  it.sum = Message{it.gradient.bytes, {}};
  it.sum.values.resize(it.gradient.values.size());
  it.contributions.assign(pieces_.size(), 0);
  it.bucket_left.assign(schedule_.buckets.size(), 0);
  for (const PsPiece& p : pieces_) {
    it.partial.push_back(slice(schedule_, it.gradient, p));
    ++it.bucket_left[p.bucket];
  }
  sg4::Host* host = sg4::this_actor::get_host();
  const std::string name = std::to_string(rank);
  it.actors.push_back(sg4::Actor::create("push" + name, host, [this, &ctx, &it] { push_stream(ctx, it); }));
  if (local_ && root)
    for (int g = rank + 1; g < rank + gpus_; ++g)
      it.actors.push_back(sg4::Actor::create("local" + name, host, [this, &ctx, &it, g] { local_receiver(ctx, it, g); }));
  if (!root) {
    const int from = root_of(rank), count = static_cast<int>(pieces_.size());
    it.actors.push_back(sg4::Actor::create("pull" + name, host, [this, &ctx, &it, from, count] {
      pull_receiver(ctx, it, from, count);
    }));
    return;
  }
  std::vector<int> per_shard(static_cast<std::size_t>(shards_), 0);
  for (const PsPiece& p : pieces_) ++per_shard[static_cast<std::size_t>(p.shard)];
  for (int s = 0; s < shards_; ++s) {
    if (per_shard[static_cast<std::size_t>(s)] == 0) continue;
    const int from = ctx.size() + s, count = per_shard[static_cast<std::size_t>(s)];
    it.actors.push_back(sg4::Actor::create("pull" + name, host, [this, &ctx, &it, from, count] {
      pull_receiver(ctx, it, from, count);
    }));
  }
}

void PsPushPull::worker_iteration(RankContext& ctx, Workload& work) {
  const auto rank = static_cast<std::size_t>(ctx.rank());
  auto it = std::make_unique<Iteration>();
  const BucketSchedule& s = schedule_;
  if (overlap_) {
    const double slow = ctx.compute_factor();
    Iteration* previous = in_flight_[rank].get();
    // Forward, first layers first: bucket b's layers start once the previous iteration pulled them.
    for (std::size_t b = s.buckets.size(); b-- > 0;) {
      if (previous) {
        std::unique_lock<sg4::Mutex> lock(*previous->mutex);
        while (previous->bucket_left[b] > 0) previous->changed->wait(lock);
      }
      const double backward = s.buckets[b].backward_done - (b > 0 ? s.buckets[b - 1].backward_done : 0);
      ctx.compute(s.forward_time * backward / s.backward_time * slow);
    }
    if (previous) {
      previous->join();  // every piece is pulled: its actors are done
      work.apply_gradient_sum(ctx, previous->sum, ctx.size());
      in_flight_[rank].reset();
    }
    it->gradient = work.gradient_values(ctx);
    start_iteration(ctx, *it);
    double done = 0;
    for (std::size_t b = 0; b < s.buckets.size(); ++b) {
      if (s.buckets[b].backward_done > done) ctx.compute((s.buckets[b].backward_done - done) * slow);
      done = std::max(done, s.buckets[b].backward_done);
      for (std::size_t p = 0; p < pieces_.size(); ++p)
        if (pieces_[p].bucket == b) piece_ready(*it, p);
    }
  } else {
    it->gradient = work.gradient(ctx);
    start_iteration(ctx, *it);
    for (std::size_t p = 0; p < pieces_.size(); ++p) piece_ready(*it, p);
  }
  if (overlap_ && ctx.iteration() + 1 < scenario_.run.iterations) {
    in_flight_[rank] = std::move(it);  // its pulls go on under the next forward pass
    return;
  }
  it->join();
  work.apply_gradient_sum(ctx, it->sum, ctx.size());
}

void PsPushPull::server_event(RankContext& ctx, int server) {
  std::unique_ptr<Server>& slot = servers_[static_cast<std::size_t>(server)];
  if (!slot) {
    slot = std::make_unique<Server>();
    slot->count.assign(pieces_.size(), 0);
    slot->sum.resize(pieces_.size());
  }
  Server& me = *slot;
  ServerEventLoop::Push push = me.loop.next_push(ctx);
  const auto piece = static_cast<std::size_t>(push.gradient.header.version);
  if (me.count[piece]++ == 0) me.sum[piece] = std::move(push.gradient);
  else add_into(me.sum[piece], push.gradient);
  int pushers = 0;
  for (int r = 0; r < ctx.size(); ++r) pushers += root_of(r) == r ? 1 : 0;
  if (me.count[piece] < pushers) return;
  me.count[piece] = 0;
  Message reply = std::move(me.sum[piece]);
  reply.header = MessageHeader{static_cast<std::int64_t>(piece), false, false};
  for (int r = 0; r < ctx.size(); ++r)
    if (root_of(r) == r) me.loop.reply(ctx, r, reply);
  // Every piece of an iteration summed: one synchronous update (staleness 0 for every gradient).
  if (++pieces_summed_ == pieces_.size()) {
    pieces_summed_ = 0;
    ctx.counters().update_times.push_back(ctx.now());
    for (int w = 0; w < ctx.size(); ++w) ctx.counters().add_staleness(0);
  }
}

}  // namespace dtsim
