// "ad_psgd": asynchronous decentralized parallel SGD (Lian et al., "Asynchronous Decentralized
// Parallel Stochastic Gradient Descent", ICML 2018). No global barrier: every rank runs its own loop,
//   read x^_i; compute g_i(x^_i)   ||   average x_i pairwise with a random neighbour j of algorithm.graph
//   x_i <- x_i - gamma g_i          (the optimizer's step on the rank's model of the moment)
// the pairwise average running on a communication actor of the rank while it computes (the paper's
// communication thread). An average is atomic in effect: i sends x_i; j's responder (always listening,
// whatever j is doing) sets x_j <- a = (x_i + x_j) / 2 on receipt and replies a; i then moves x_i by
// a - (the x_i it sent), so a step i took meanwhile is kept and x_i + x_j is conserved, as the paper's
// lock-protected average conserves it. Peers are drawn uniformly among the neighbours in the graph of
// the rank's iteration (time-varying graphs: that round's) from a counter-based stream (seed, rank,
// iteration): the same run every time.
//
// Staleness: the averages that changed x_i while g_i was being computed (its own and those neighbours
// started with it), recorded per gradient. algorithm.staleness_bound = s bounds the spread (the
// paper's analysis assumes bounded staleness): a rank may not start iteration c before every other rank
// still running has finished c - s iterations; -1 (the default) never waits. A rank that has finished
// its iterations leaves the graph: it answers the averages already started with it, then nobody picks
// it.
#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "algorithms/training/decentralized/decentralized_algorithm.h"
#include "sim/engine/straggler_model.h"
#include "sim/plugin/training_algorithm.h"
#include "topologies/logical/registry.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

constexpr std::uint64_t kPeerStream = 0xad9564ULL;  // keyed_uniform stream of the peer draws

class AdPsgd : public TrainingAlgorithm {
 public:
  explicit AdPsgd(const OptionValues& o) : staleness_bound_(static_cast<int>(o.integer("staleness_bound"))) {
    const OptionValues g = o.object("graph");
    graph_name_ = g.text("name");
    graph_params_ = read_graph_params(g);
  }
  bool keeps_replicas_identical() const override { return false; }
  bool synchronous(const Scenario&) const override { return false; }

  void validate(const Scenario& s, ErrorList& errors) const override {
    if (s.workload.fusion.overlaps())
      errors.add("/workload/fusion/policy", "gradient fusion is not modelled for ad_psgd; remove it");
    try {
      logical::make_topology(graph_name_, s.cluster.ranks(), graph_params_);
    } catch (const std::exception& e) {
      errors.add("/algorithm/graph", std::string("cannot build the graph: ") + e.what());
    }
  }

  void worker_iteration(RankContext& ctx, Workload& work) override {
    if (!topology_) set_up(ctx);
    const int i = ctx.rank();
    Rank& me = ranks_[static_cast<std::size_t>(i)];
    if (!me.responder)
      me.responder = sg4::Actor::create("respond" + std::to_string(i), sg4::this_actor::get_host(),
                                        [this, &ctx, &work] { respond(ctx, work); });
    wait_for_bound(ctx);

    const std::int64_t read = me.changes;
    const Message gradient = work.gradient_values(ctx);  // at x^_i, the model read now
    sg4::ActorPtr comm = sg4::Actor::create("average" + std::to_string(i), sg4::this_actor::get_host(),
                                            [this, &ctx, &work] { average(ctx, work); });
    ctx.compute(ctx.scenario().workload.compute_time * ctx.compute_factor());
    comm->join();
    ctx.counters().add_staleness(me.changes - read);
    work.apply_gradient_sum(ctx, gradient, 1);

    std::unique_lock<sg4::Mutex> lock(*mutex_);
    ++me.completed;
    if (ctx.iteration() + 1 >= ctx.scenario().run.iterations) {
      me.done = true;  // nobody picks this rank any more; answer the averages already started with it
      while (me.incoming > 0) changed_->wait(lock);
      me.responder->kill();
    }
    changed_->notify_all();
  }

 private:
  struct Rank {
    sg4::ActorPtr responder;
    std::int64_t changes = 0;  // averages applied to this rank's model so far
    int incoming = 0;          // averages other ranks started with this one, not yet answered
    int completed = 0;         // iterations finished
    bool done = false;
  };

  void set_up(RankContext& ctx) {
    topology_ = std::make_unique<logical::Topology>(
        logical::make_topology(graph_name_, ctx.size(), graph_params_));
    ranks_.resize(static_cast<std::size_t>(ctx.size()));
    mutex_ = sg4::Mutex::create();
    changed_ = sg4::ConditionVariable::create();
  }

  // Stale-synchronous bound: iteration c waits for every running rank to have finished c - s.
  void wait_for_bound(RankContext& ctx) {
    if (staleness_bound_ < 0) return;
    const int c = ctx.iteration();
    std::unique_lock<sg4::Mutex> lock(*mutex_);
    auto slowest = [&] {
      int least = std::numeric_limits<int>::max();
      for (const Rank& r : ranks_)
        if (!r.done) least = std::min(least, r.completed);
      return least;
    };
    while (slowest() < c - staleness_bound_) changed_->wait(lock);
  }

  // The rank's communication actor: one pairwise average with a neighbour still running.
  void average(RankContext& ctx, Workload& work) {
    const int i = ctx.rank();
    std::vector<int> live;
    for (const logical::Peer& p : topology_->send_peers(ctx.iteration(), i))  // a time-varying graph's round
      if (p.rank != i && !ranks_[static_cast<std::size_t>(p.rank)].done) live.push_back(p.rank);
    if (live.empty()) return;
    const double u = keyed_uniform(ctx.scenario().seed, kPeerStream, static_cast<std::uint64_t>(i),
                                   static_cast<std::uint64_t>(ctx.iteration()));
    const int j = live[std::min(live.size() - 1, static_cast<std::size_t>(u * static_cast<double>(live.size())))];
    ++ranks_[static_cast<std::size_t>(j)].incoming;
    const Message sent = work.parameters(ctx);
    RankContext::Request request = ctx.isend_to_inbox(j, sent);
    const Message mean = ctx.recv(j);
    ctx.wait(request);
    if (!sent.values.empty()) {  // x_i += a - sent: the pair's mean, keeping what changed x_i meanwhile
      Message x = work.parameters(ctx);
      for (std::size_t k = 0; k < x.values.size(); ++k) x.values[k] += mean.values[k] - sent.values[k];
      work.set_parameters(ctx, std::move(x));
    }
    ++ranks_[static_cast<std::size_t>(i)].changes;
  }

  // The rank's responder: takes any neighbour's x_i, moves to the pair's mean, replies with it.
  void respond(RankContext& ctx, Workload& work) {
    Rank& me = ranks_[static_cast<std::size_t>(ctx.rank())];
    for (;;) {
      RankContext::Request request = ctx.irecv_any();
      Message theirs = ctx.wait(request);
      const int from = theirs.source;
      Message mean = std::move(theirs);
      if (!mean.values.empty()) {
        const Message mine = work.parameters(ctx);
        for (std::size_t k = 0; k < mean.values.size(); ++k) mean.values[k] = (mean.values[k] + mine.values[k]) / 2;
        work.set_parameters(ctx, mean);
      }
      ++me.changes;
      ctx.send_detached(from, std::move(mean));
      std::unique_lock<sg4::Mutex> lock(*mutex_);
      --me.incoming;
      changed_->notify_all();
    }
  }

  int staleness_bound_;            // /algorithm/staleness_bound (-1: none)
  std::string graph_name_;         // /algorithm/graph/name
  logical::Params graph_params_;   // the rest of /algorithm/graph
  std::unique_ptr<logical::Topology> topology_;
  std::vector<Rank> ranks_;        // shared by the ranks' actors (one algorithm object per run)
  sg4::MutexPtr mutex_;
  sg4::ConditionVariablePtr changed_;
};

const bool registered_ad_psgd = TrainingAlgorithmRegistry::add(
    {"ad_psgd",
     "asynchronous decentralized parallel SGD (Lian et al. 2018): pairwise averages with random neighbours while "
     "computing, no global barrier",
     {DecentralizedAlgorithm::shared_options().front(),
      Option::integer("staleness_bound", -1, -1, 1 << 20,
                      "a rank may not start iteration c before every running rank has finished c - s; -1: none")}},
    [](const OptionValues& o) { return std::make_unique<AdPsgd>(o); });

}  // namespace
}  // namespace dtsim
