// "parameter_server": synchronous PS (distributed synchronous SGD; Li et al., OSDI 2014). The model is split into `servers` shards,
// each on its own host. Every worker pushes each shard of its gradient to that shard's server; a server
// waits for all workers, sums, and every worker pulls the shard back. With k shards the server links
// carry p n / k bytes each way: iteration = compute + 2 (alpha + p n beta / k).
//
// With algorithm.backup_workers = e ("Revisiting Distributed Synchronous SGD", Chen et al. 2016), m = ranks - e gradients
// make an update: the server holds the model, applies the sum of the first m gradients computed on its
// current version as soon as the m-th arrives, and replies with the new model to those m. A gradient
// that arrives later (computed on an older version) is dropped and its worker gets the current model
// at once. Stragglers then cost the m-th order statistic of the compute times, not the maximum; the
// dropped gradients' compute time is reported as wasted work. run.iterations counts model updates.
//
// local_aggregation, placement, partition_bytes, scheduling and per-bucket overlap (workload.fusion
// "ddp") deploy it as BytePS does: ps_deployment.h. Left at their defaults, the exchange is the one above.
//
// At "fast", the plain exchange's k shards run as one server with k times the link bandwidth where
// they are provably symmetric (ps_shard_merge.h): the same times with 1/k of the transfers.
//
// network.fidelity "analytic" (analytic.h): where the closed form is the simulated time (the plain
// exchange, no backup workers, one GPU per machine, at least as many workers as shards, a
// contention-free switch, no rank perturbed), the workers meet at no cost and wait
// 2 (alpha + p n_0 beta), n_0 the largest shard (the first, with uneven shards): every shard's p flows
// share its server's link, so the largest shard's pushes end last; the workers post their pulls then,
// and the replies, started together, end after the largest shard's. No transfer is simulated.
#include <numeric>

#include "algorithms/collectives/analytic.h"
#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/fast.h"
#include "algorithms/collectives/runner.h"
#include "algorithms/training/ps_deployment.h"
#include "algorithms/training/ps_exchange.h"
#include "algorithms/training/ps_shard_merge.h"
#include "sim/plugin/training_algorithm.h"

#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace dtsim {
namespace {

// A byte count as a short number ("4.096e+06"), for error messages.
std::string bytes_text(double bytes) {
  std::ostringstream out;
  out << bytes;
  return out.str();
}

// A reply's header: the server's model version, and whether the worker's gradient was dropped.
MessageHeader reply_header(std::int64_t version, bool dropped) { return MessageHeader{version, dropped, false}; }

class ParameterServer : public TrainingAlgorithm {
 public:
  explicit ParameterServer(const OptionValues& o)
      : servers_count_(static_cast<int>(o.integer("servers"))),
        backup_workers_(static_cast<int>(o.integer("backup_workers"))),
        colocated_machines_(static_cast<int>(o.integer("colocated_machines"))) {
    deployment_.local_aggregation = o.boolean("local_aggregation");
    deployment_.colocated = o.text("placement") == "colocated";
    deployment_.partition_bytes = o.number("partition_bytes");
    deployment_.priority = o.text("scheduling") == "priority";
  }

  void validate(const Scenario& s, ErrorList& errors) const override {
    if (backup_workers_ > s.cluster.ranks() - 1)
      errors.add("/algorithm/backup_workers", std::to_string(backup_workers_) + " is out of range; allowed: 0 to " +
                                                  std::to_string(s.cluster.ranks() - 1) + " (ranks - 1)");
    if (deployment_.colocated && servers_count_ != 1)
      errors.add("/algorithm/servers", std::to_string(servers_count_) + " has no meaning with placement \"colocated\" "
                                       "(one shard on each of the cluster.nodes machines, or on the first "
                                       "colocated_machines); remove it");
    if (colocated_machines_ > 0 && !deployment_.colocated)
      errors.add("/algorithm/colocated_machines", std::to_string(colocated_machines_) +
                                                      " has no meaning without placement \"colocated\"; remove it");
    if (colocated_machines_ > s.cluster.nodes)
      errors.add("/algorithm/colocated_machines", std::to_string(colocated_machines_) + " is out of range; allowed: "
                                                      "0 (every machine) to " + std::to_string(s.cluster.nodes) +
                                                      " (cluster.nodes)");
    const std::string& policy = s.workload.fusion.policy;
    if (s.workload.fusion.overlaps() && policy != "ddp")
      errors.add("/workload/fusion/policy", "\"" + policy + "\" is not modelled for the parameter server; allowed: "
                                            "\"none\" (push after backward) or \"ddp\" (per-bucket push/pull)");
    if (s.workload.fusion.overlaps() && s.workload.numerics.enabled)
      errors.add("/workload/fusion/policy", "per-bucket push/pull of the parameter server is timing-only; use "
                                            "\"none\" with workload.numerics");
    // Each piece is a message and an actor wake-up: cap them so that a tiny partition cannot hang a run.
    constexpr double kMaxPieces = 1e5;
    if (deployment_.partition_bytes > 0 && s.workload.message_bytes() / deployment_.partition_bytes > kMaxPieces)
      errors.add("/algorithm/partition_bytes", bytes_text(deployment_.partition_bytes) + " cuts the " +
                                                   bytes_text(s.workload.message_bytes()) + "-byte gradient into more "
                                                   "than 100000 pieces per iteration; allowed: at least " +
                                                   bytes_text(s.workload.message_bytes() / kMaxPieces));
    if (backup_workers_ > 0 && deployed(s))
      errors.add("/algorithm/backup_workers", "backup workers are modelled with the plain exchange only; remove "
                                              "local_aggregation, placement, partition_bytes, scheduling and "
                                              "workload.fusion, or backup_workers");
  }
  // Failures (run.recovery "elastic"): each update needs ranks - e live workers, so e may die; with
  // backup workers a failed shard rolls back (the plain exchange keeps no shard model of its own).
  int worker_failures_tolerated(const Scenario&) const override { return backup_workers_; }
  bool servers_recoverable(const Scenario&) const override { return backup_workers_ > 0; }
  void server_failed(int server, double at, double back) override { servers_[server].recovery.failed(at, back); }
  int server_count(const Scenario& s) const override {
    if (deployment_.colocated) return colocated_machines_ > 0 ? colocated_machines_ : s.cluster.nodes;
    return servers_count_ / shards_per_server(s);
  }
  // The plain exchange at "fast": k symmetric shards run as one server (ps_shard_merge.h).
  int shards_per_server(const Scenario& s) const override {
    const bool plain = backup_workers_ == 0 && !deployed(s);
    return plain && shard_merge_blocker(s, servers_count_).empty() ? servers_count_ : 1;
  }
  int server_machine(const Scenario&, int server) const override { return deployment_.colocated ? server : -1; }
  bool synchronous(const Scenario&) const override { return backup_workers_ == 0; }

  std::string analytic_blocker(const Scenario& s) const override {
    if (backup_workers_ > 0) return "backup workers make each update depend on the order the gradients arrive in";
    if (deployed(s)) return "local_aggregation, placement, partition_bytes, scheduling and workload.fusion change "
                            "the exchange (its closed form covers the plain push and pull)";
    if (std::string why = platform_analytic_blocker(s); !why.empty()) return why;
    if (s.cluster.gpus_per_node > 1) return "GPUs of one machine share its NIC on the way to the servers";
    if (s.cluster.ranks() < servers_count_)
      return "fewer workers than shards: the workers' own links limit the pushes, and uneven shards end in turn";
    return "";
  }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    if (backup_workers_ > 0) return backup_worker_iteration(ctx, work);
    if (deployed(ctx.scenario())) return deployment(ctx).worker_iteration(ctx, work);
    if (scenario_fidelity(ctx.scenario()) == Fidelity::Analytic) return analytic_worker_iteration(ctx, work);
    const int k = ctx.endpoints() - ctx.size();
    const Message gradient = work.gradient(ctx);
    const Chunks shards(gradient, k);
    std::vector<RankContext::Request> pushes;
    for (int s = 0; s < k; ++s) pushes.push_back(servers_[s].loop.push(ctx, ctx.size() + s, shards.extract(gradient, s)));
    ctx.wait_all(pushes);
    std::vector<RankContext::Request> pulls;
    for (int s = 0; s < k; ++s) pulls.push_back(ctx.irecv(ctx.size() + s));
    Message sum = gradient;
    std::vector<Message> parts = ctx.wait_all(pulls);
    for (int s = 0; s < k; ++s) shards.assign(sum, s, parts[s]);
    work.apply_gradient_sum(ctx, sum, ctx.size());
  }

  void server_iteration(RankContext& ctx, int server, Workload& work) override {
    if (backup_workers_ > 0) return backup_server_event(ctx, server, work);
    // Under "analytic" no push arrives: the server waits here until the run ends (a daemon).
    if (deployed(ctx.scenario())) return deployment(ctx).server_event(ctx, server);
    // The pushes arrive in the server's inboxes in any order and are taken in posting order with one
    // receive outstanding (ServerEventLoop: SimGrid 3.32 scans an actor's outstanding transfers at
    // every completion; a receive per worker made 8 servers of 4096 workers cost 1.5 ms per rank per
    // iteration); they are summed in worker order.
    const int workers = ctx.size();
    ServerEventLoop& loop = servers_[server].loop;
    std::vector<Message> shards(static_cast<std::size_t>(workers));
    for (int i = 0; i < workers; ++i) {
      ServerEventLoop::Push push = loop.next_push(ctx);
      shards.at(static_cast<std::size_t>(push.worker)) = std::move(push.gradient);
    }
    if (server == 0) {  // every gradient counts at once: staleness 0, one update per iteration
      for (int w = 0; w < workers; ++w) ctx.counters().add_staleness(0);
      ctx.counters().update_times.push_back(ctx.now());
    }
    Message sum = std::move(shards[0]);
    for (int w = 1; w < workers; ++w)
      for (size_t i = 0; i < sum.values.size(); ++i) sum.values[i] += shards[w].values[i];
    // The server does not wait for its replies: each completes when its worker takes it (its transfer
    // shows on the worker). No worker pushes again before it has its reply, so no push of the next
    // iteration mixes in.
    loop.reply_all(ctx, all_ranks(workers), sum);
  }

 private:
  // Any deployment option away from its default: the BytePS-style exchange of ps_deployment.h.
  bool deployed(const Scenario& s) const {
    return deployment_.local_aggregation || deployment_.colocated || deployment_.partition_bytes > 0 ||
           deployment_.priority || s.workload.fusion.overlaps();
  }
  PsPushPull& deployment(RankContext& ctx) {
    if (!push_pull_) push_pull_ = std::make_unique<PsPushPull>(ctx.scenario(), deployment_, ctx.endpoints() - ctx.size());
    return *push_pull_;
  }

  const std::vector<int>& all_ranks(int p) {
    if (all_ranks_.empty()) {
      all_ranks_.resize(static_cast<std::size_t>(p));
      std::iota(all_ranks_.begin(), all_ranks_.end(), 0);
    }
    return all_ranks_;
  }

  // The closed form of the plain exchange (top of the file). The meeting sums the gradients in worker
  // order, as the servers do, so real values give the same parameters as the simulated exchange.
  void analytic_worker_iteration(RankContext& ctx, Workload& work) {
    const int p = ctx.size();
    const int k = ctx.endpoints() - ctx.size();
    // The compute's time is taken by the meeting's single wait (RankContext::Lockstep).
    RankContext::Lockstep one_wait(ctx, true);
    Message sum = work.gradient(ctx);
    const double largest_shard = Chunks::chunk_bytes(sum, k, 0);
    const CostModel m = cost_model(ctx.scenario(), sum.bytes);
    const double one_way = m.alpha + p * largest_shard * m.beta;
    const bool values = !sum.values.empty();
    auto meeting = fast::meet_and_wait(ctx, all_ranks(p), std::move(sum.values), 2 * one_way);
    if (values) sum.values = meeting->sum();
    if (ctx.rank() == 0) {  // what server 0 records when its last push arrives
      for (int w = 0; w < p; ++w) ctx.counters().add_staleness(0);
      ctx.counters().update_times.push_back(meeting->latest_arrival + one_way);
    }
    work.apply_gradient_sum(ctx, sum, p);
  }

  void backup_worker_iteration(RankContext& ctx, Workload& work) {
    const int k = ctx.endpoints() - ctx.size();
    if (versions_.empty()) versions_.assign(static_cast<std::size_t>(ctx.size()), 0);
    std::int64_t& version = versions_[static_cast<std::size_t>(ctx.rank())];
    const double begin = ctx.now();
    const Message gradient = work.gradient(ctx);
    const double compute = ctx.now() - begin;
    const std::vector<MessageHeader> replies =
        push_gradient_pull_model(ctx, work, gradient, std::vector<std::int64_t>(static_cast<std::size_t>(k), version),
                                 [this](int s) -> ServerEventLoop& { return servers_[s].loop; });
    int dropped = 0;
    for (const MessageHeader& reply : replies) dropped += reply.dropped ? 1 : 0;
    ctx.counters().dropped_compute_s += compute * dropped / k;  // a shard's share of the wasted pass
    version = replies[0].version;
    if (version >= ctx.scenario().run.iterations) ctx.stop_after_iteration();
  }

  void backup_server_event(RankContext& ctx, int server, Workload& work) {
    Server& me = servers_[server];
    const int checkpoint_every = ctx.scenario().run.recovery.server_checkpoint_interval;
    if (!me.shard.ready) {
      initialize_shard(me.shard, ctx, work, server);
      me.recovery.after_update(me.shard, server, work, checkpoint_every);  // the initial model
    }
    const int m = ctx.size() - backup_workers_;
    ServerEventLoop::Push push = me.loop.next_push(ctx);
    if (me.recovery.restore_if_failed(me.shard, ctx, server, work)) {
      // The gradients gathered for the lost version are gone too: their workers start over from the
      // restored model.
      for (int w : me.accepted) {
        Message reply = me.shard.model;
        reply.header = reply_header(me.shard.version, true);
        me.loop.reply(ctx, w, std::move(reply));
      }
      me.accepted.clear();
    }
    const bool counts = push.gradient.header.version == me.shard.version && me.shard.version < ctx.scenario().run.iterations;
    if (!counts) {  // late: the update it was meant for is done
      if (server == 0) ++ctx.counters().gradients_dropped;
      Message reply = me.shard.model;
      reply.header = reply_header(me.shard.version, true);
      me.loop.reply(ctx, push.worker, std::move(reply));
      return;
    }
    if (me.accepted.empty()) me.sum = std::move(push.gradient);
    else
      for (std::size_t i = 0; i < me.sum.values.size(); ++i) me.sum.values[i] += push.gradient.values[i];
    me.accepted.push_back(push.worker);
    if (static_cast<int>(me.accepted.size()) < m) return;
    work.server_update(server, me.shard.model, me.sum, m);
    ++me.shard.version;
    me.recovery.after_update(me.shard, server, work, checkpoint_every);
    if (server == 0) {
      ctx.counters().update_times.push_back(ctx.now());
      for (std::size_t i = 0; i < me.accepted.size(); ++i) ctx.counters().add_staleness(0);
    }
    for (int w : me.accepted) {
      Message reply = me.shard.model;
      reply.header = reply_header(me.shard.version, false);
      me.loop.reply(ctx, w, std::move(reply));
    }
    me.accepted.clear();
  }

  struct Server {
    ServerShard shard;
    ServerEventLoop loop;
    Message sum;               // of the gradients accepted for the current version
    std::vector<int> accepted;
    ShardRecovery recovery;
  };
  int servers_count_;         // /algorithm/servers: shards, each on its own host
  int backup_workers_;        // /algorithm/backup_workers: e; each update takes the first ranks - e gradients
  int colocated_machines_;    // /algorithm/colocated_machines: colocated shards on the first k machines (0: all)
  PsDeployment deployment_;   // /algorithm/local_aggregation, placement, partition_bytes, scheduling
  std::unique_ptr<PsPushPull> push_pull_;
  std::vector<std::int64_t> versions_;  // per worker: the model version it holds
  std::vector<int> all_ranks_;          // 0 .. p-1: the analytic meeting's members, the replies' workers
  std::map<int, Server> servers_;
};

const bool registered_parameter_server = TrainingAlgorithmRegistry::add(
    {"parameter_server",
     "synchronous parameter server (Li et al. 2014), optionally with backup workers (Chen et al. 2016)",
     {Option::integer("servers", 1, 1, 1 << 16, "server shards, each on its own host and link"),
      Option::integer("backup_workers", 0, 0, 1 << 20,
                      "e of the ranks are backups: each update takes the first ranks - e gradients and drops the rest"),
      Option::boolean("local_aggregation", false,
                      "sum the gradients of a machine's GPUs on its first GPU before the push, and hand the pulled "
                      "sum to them after (BytePS, Jiang et al. OSDI 2020): one gradient per machine on the fabric"),
      Option::choice("placement", std::string("dedicated"), {"dedicated", "colocated"},
                     "dedicated: shards on hosts of their own; colocated: one shard on every worker machine, whose "
                     "traffic with it crosses no NIC"),
      Option::integer("colocated_machines", 0, 0, 1 << 16,
                      "with placement colocated: one shard on each of the first k worker machines only (TensorFlow's "
                      "benchmarks ran 4 parameter servers on 8 instances); 0: every machine"),
      Option::number("partition_bytes", 0.0, 0, false, 1e15,
                     "bytes: cut every bucket into pieces of this size, dealt to the shards round-robin (BytePS "
                     "uses 4 MB, BYTEPS_PARTITION_BYTES = 4096000); 0: one piece per shard"),
      Option::choice("scheduling", std::string("fifo"), {"fifo", "priority"},
                     "order of the pushes: fifo, as the pieces become ready; priority, earliest layer first at "
                     "partition granularity (P3, Jayarajan et al. SysML 2019; ByteScheduler, Peng et al. SOSP 2019)")}},
    [](const OptionValues& o) { return std::make_unique<ParameterServer>(o); });

}  // namespace
}  // namespace dtsim
