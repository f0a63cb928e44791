// "async_parameter_server": asynchronous SGD with a parameter server (asynchronous SGD as in Dean et al. 2012 and Recht et al. 2011).
// Each worker computes a gradient on the model it last received, pushes it, and gets back the
// server's model of the moment; the server applies every gradient as soon as it arrives,
//   x <- x - eta g_k(x_{t - tau}),
// where the staleness tau is the number of updates applied between the worker's read and this
// update (Definition 24.1). With n equally fast workers, every other worker's gradient lands
// between a worker's read and its own update, so tau is close to n - 1 on average.
//
// algorithm.staleness_bound = s turns it into stale synchronous parallel (SSP, Ho et al. 2013): the
// server holds a worker's reply (so the worker cannot start iteration c) until every worker has
// finished at least c - s iterations; s = 0 is lockstep. With k shards (algorithm.servers) each
// shard is its own server with its own version; the staleness histogram is shard 0's.
//
// The run is a budget of ranks x run.iterations updates (the samples of run.iterations synchronous
// steps): workers go on until it is spent, fast ones doing more updates than slow ones. A worker that
// was computing when the last update was applied pushes a gradient the run no longer applies: it is
// counted apart (gradients_unapplied_at_end), not as dropped (which is backup workers' waste), and
// its worker is told to stop.
#include <algorithm>
#include <limits>
#include <map>

#include "algorithms/training/ps_exchange.h"
#include "algorithms/training/ps_shard_merge.h"
#include "sim/plugin/training_algorithm.h"

namespace dtsim {
namespace {

// A reply's header: the shard's version, whether the budget is spent (the worker stops) and whether the
// worker's gradient came too late to be applied.
MessageHeader reply_header(std::int64_t version, bool stop, bool dropped) { return MessageHeader{version, dropped, stop}; }
std::int64_t budget(const Scenario& s) { return static_cast<std::int64_t>(s.run.iterations) * s.cluster.ranks(); }

class AsyncParameterServer : public TrainingAlgorithm {
 public:
  explicit AsyncParameterServer(const OptionValues& o)
      : servers_count_(static_cast<int>(o.integer("servers"))),
        staleness_bound_(static_cast<int>(o.integer("staleness_bound"))) {}
  int server_count(const Scenario& s) const override { return servers_count_ / shards_per_server(s); }
  // At "fast", k symmetric shards run as one server (ps_shard_merge.h): every shard takes each
  // worker's push at the same instant, in the same posting order, and replies at the same instant.
  int shards_per_server(const Scenario& s) const override {
    return shard_merge_blocker(s, servers_count_).empty() ? servers_count_ : 1;
  }
  bool synchronous(const Scenario&) const override { return false; }
  int worker_iteration_limit(const Scenario& s) const override {
    return static_cast<int>(std::min<std::int64_t>(budget(s), 1 << 30));
  }
  // Failures (run.recovery "elastic"): workers may die down to the last one; a failed shard rolls back.
  int worker_failures_tolerated(const Scenario& s) const override { return s.cluster.ranks() - 1; }
  bool servers_recoverable(const Scenario&) const override { return true; }
  void server_failed(int server, double at, double back) override { servers_[server].recovery.failed(at, back); }
  void validate(const Scenario& s, ErrorList& errors) const override {
    if (s.workload.fusion.overlaps())
      errors.add("/workload/fusion/policy", "gradient fusion is not modelled for async_parameter_server; remove it");
  }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    const int k = ctx.endpoints() - ctx.size();
    if (worker_versions_.empty()) worker_versions_.assign(static_cast<std::size_t>(ctx.size()), std::vector<std::int64_t>(k, 0));
    std::vector<std::int64_t>& read = worker_versions_[static_cast<std::size_t>(ctx.rank())];
    const double begin = ctx.now();
    const Message gradient = work.gradient(ctx);
    const double compute = ctx.now() - begin;
    const std::vector<MessageHeader> replies = push_gradient_pull_model(
        ctx, work, gradient, read, [this](int s) -> ServerEventLoop& { return servers_[s].loop; });
    int unapplied = 0;
    for (std::size_t s = 0; s < replies.size(); ++s) {
      read[s] = replies[s].version;  // the versions now held
      unapplied += replies[s].dropped ? 1 : 0;
    }
    ctx.counters().unapplied_compute_s += compute * unapplied / k;
    if (replies[0].stop) ctx.stop_after_iteration();
  }

  void server_iteration(RankContext& ctx, int server, Workload& work) override {
    Server& me = servers_[server];
    const int checkpoint_every = ctx.scenario().run.recovery.server_checkpoint_interval;
    if (!me.shard.ready) {
      initialize_shard(me.shard, ctx, work, server);
      me.recovery.after_update(me.shard, server, work, checkpoint_every);  // the initial model
    }
    if (me.completed.empty()) {
      me.completed.assign(static_cast<std::size_t>(ctx.size()), 0);
      me.clocks[0] = ctx.size();
    }
    ServerEventLoop::Push push = me.loop.next_push(ctx);
    me.recovery.restore_if_failed(me.shard, ctx, server, work);
    if (me.shard.version >= budget(ctx.scenario())) {  // the run is over: not applied, worker stops
      if (server == 0) ++ctx.counters().gradients_unapplied_at_end;
      Message reply = me.shard.model;
      reply.header = reply_header(me.shard.version, true, true);
      me.loop.reply(ctx, push.worker, std::move(reply));
      return;
    }
    // Apply at once: the gradient was computed on version push.gradient.header.version of this shard.
    // (After a shard rolled back, a gradient may come from a newer version than the shard's: staleness 0.)
    if (server == 0) ctx.counters().add_staleness(std::max<std::int64_t>(0, me.shard.version - push.gradient.header.version));
    work.server_update(server, me.shard.model, push.gradient, 1);
    ++me.shard.version;
    me.recovery.after_update(me.shard, server, work, checkpoint_every);
    if (server == 0) ctx.counters().update_times.push_back(ctx.now());
    const std::int64_t clock = me.completed[static_cast<std::size_t>(push.worker)]++;
    if (--me.clocks[clock] == 0) me.clocks.erase(clock);
    ++me.clocks[clock + 1];
    me.waiting.push_back(push.worker);
    release_allowed(ctx, me);
  }

 private:
  struct Server {
    ServerShard shard;
    ServerEventLoop loop;
    std::vector<std::int64_t> completed;  // iterations each worker has finished (its SSP clock)
    std::map<std::int64_t, int> clocks;   // how many workers are at each clock: the slowest in O(log p)
    std::vector<int> waiting;             // workers whose reply is held back by the staleness bound
    ShardRecovery recovery;
  };

  // Replies to every waiting worker the staleness bound lets go on, with this shard's model now.
  void release_allowed(RankContext& ctx, Server& me) {
    const int bound = staleness_bound_;
    // The slowest live worker (a dead one's clock stops: run.recovery "elastic").
    std::int64_t slowest = std::numeric_limits<std::int64_t>::max();
    if (ctx.live_ranks().empty()) slowest = me.clocks.begin()->first;
    else
      for (int w : ctx.live_ranks()) slowest = std::min(slowest, me.completed[static_cast<std::size_t>(w)]);
    const bool over = me.shard.version >= budget(ctx.scenario());
    std::vector<int> still_waiting;
    for (int w : me.waiting) {
      const std::int64_t next = me.completed[static_cast<std::size_t>(w)];  // the iteration w would start
      if (bound < 0 || over || slowest >= next - bound) {
        Message reply = me.shard.model;
        reply.header = reply_header(me.shard.version, over, false);
        me.loop.reply(ctx, w, std::move(reply));
      } else {
        still_waiting.push_back(w);
      }
    }
    me.waiting = std::move(still_waiting);
  }

  int servers_count_;    // /algorithm/servers
  int staleness_bound_;  // /algorithm/staleness_bound: SSP bound s, -1 for none
  std::vector<std::vector<std::int64_t>> worker_versions_;  // per worker: the shard versions it read
  std::map<int, Server> servers_;
};

const bool registered_async_parameter_server = TrainingAlgorithmRegistry::add(
    {"async_parameter_server",
     "asynchronous parameter server (Hogwild-style updates as gradients arrive), optionally stale-synchronous "
     "(SSP, Ho et al. 2013)",
     {Option::integer("servers", 1, 1, 1 << 16, "server shards, each on its own host and link"),
      Option::integer("staleness_bound", -1, -1, 1 << 20,
                      "SSP bound s: a worker may not start iteration c before every worker has finished c - s; -1: none")}},
    [](const OptionValues& o) { return std::make_unique<AsyncParameterServer>(o); });

}  // namespace
}  // namespace dtsim
