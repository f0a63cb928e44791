#include "algorithms/training/decentralized/decentralized_algorithm.h"

#include <numeric>

#include "topologies/logical/registry.h"
#include "topologies/logical/surviving.h"
#include "topologies/logical/validate.h"

#include <limits>

namespace dtsim {
namespace {

GossipVec<float> to_vec(const Message& m) {
  return Eigen::Map<const GossipVec<float>>(m.values.data(), static_cast<Eigen::Index>(m.values.size()));
}

Message to_message(const GossipVec<float>& v, double bytes) {
  Message m;
  m.bytes = bytes;
  m.values.assign(v.data(), v.data() + v.size());
  return m;
}

// /algorithm/graph: a graph generator by name (each declares the keys it owns, topologies/logical/)
// and the mixing weights every graph has.
Option graph_option() {
  Option graph = Option::plugin("graph", logical::kGraphFamily, "name", "ring", "",
                                "the logical communication graph and its mixing weights (dtsim topo lists the graphs "
                                "with their properties)");
  graph.fields = {Option::choice("weights", std::string("default"),
                                 {"default", "uniform", "metropolis", "metropolis_hastings", "metropolis-hastings", "mh"},
                                 "mixing weights: default (Metropolis-Hastings on symmetric graphs, else uniform), "
                                 "uniform, metropolis")};
  return graph;
}

}  // namespace

OptionList DecentralizedAlgorithm::shared_options() {
  return {graph_option(),
          Option::choice("exchange", std::string("neighbor_allreduce"),
                         {"neighbor_allreduce", "hierarchical_neighbor_allreduce"},
                         "neighbor_allreduce: every rank gossips over the graph of ranks; "
                         "hierarchical_neighbor_allreduce (BlueFog): allreduce inside each machine, local rank 0 "
                         "gossips over the graph of machines, then broadcasts inside its machine"),
          Option::integer("global_average_every", 0, 0, std::numeric_limits<int>::max(),
                          "average all models with `collective` every H iterations (0: never)"),
          Option::member("collective", "collective", std::string("ring"),
                         "the allreduce of the global averages (and, with hierarchical_neighbor_allreduce, inside "
                         "each machine)")};
}

DecentralizedAlgorithm::DecentralizedAlgorithm(std::string rule, const OptionValues& o)
    : rule_name_(std::move(rule)),
      overlap_(o.has("overlap") && o.boolean("overlap")),
      global_average_every_(static_cast<int>(o.integer("global_average_every"))),
      collective_name_(o.text("collective")),
      hierarchical_(o.text("exchange") == "hierarchical_neighbor_allreduce") {
  const OptionValues g = o.object("graph");
  graph_name_ = g.text("name");
  graph_params_ = read_graph_params(g);
}

// Each graph owns its keys (topologies/logical/registry): params_from reads those the graph declares.
logical::Params read_graph_params(const OptionValues& g) {
  return logical::params_from(g);
}

// The graph's nodes: ranks, or machines under the hierarchical exchange.
int DecentralizedAlgorithm::graph_size(const Scenario& s) const {
  return hierarchical_ ? s.cluster.nodes : s.cluster.ranks();
}

void DecentralizedAlgorithm::validate(const Scenario& s, ErrorList& errors) const {
  if (hierarchical_ && overlap_)
    errors.add("/algorithm/overlap", "true needs \"exchange\": \"neighbor_allreduce\" (the hierarchical neighbor "
                                     "allreduce is simulated blocking); remove it or set it to false");
  const std::string over_machines =
      hierarchical_ ? " (with hierarchical_neighbor_allreduce the graph is over the " + std::to_string(s.cluster.nodes) +
                          " machines)"
                    : "";
  try {
    const logical::Topology t = logical::make_topology(graph_name_, graph_size(s), graph_params_);
    const bool symmetric = gossip_rules().at(rule_name_).needs_symmetric_w;
    const std::string problem = logical::check_doubly_stochastic(t, symmetric);
    if (!problem.empty())
      errors.add("/algorithm/graph", "\"" + graph_name_ + "\" gives a mixing matrix " + rule_name_ +
                                         " cannot use: " + problem +
                                         (symmetric ? " (this algorithm needs W symmetric and doubly stochastic)"
                                                    : " (gossip needs W doubly stochastic)") +
                                         over_machines);
  } catch (const std::exception& e) {
    errors.add("/algorithm/graph", std::string("cannot build the graph: ") + e.what() + over_machines);
  }
}

void DecentralizedAlgorithm::set_up(const Scenario& s) {
  topology_ = std::make_unique<logical::Topology>(logical::make_topology(graph_name_, graph_size(s), graph_params_));
  if (hierarchical_) {
    local_allreduce_ = CollectiveRegistry::create(collective_name_);
    hierarchical_exchange_ =
        std::make_unique<HierarchicalNeighborAllreduce>(*topology_, s.cluster.gpus_per_node, *local_allreduce_);
  }
  GossipRuleParams params;
  params.momentum = s.workload.numerics.replica.optimizer.momentum;
  params.overlap = overlap_;
  for (int r = 0; r < s.cluster.ranks(); ++r) rules_.push_back(gossip_rules().at(rule_name_).make_float(params));
  if (global_average_every_ > 0) {
    global_average_ = CollectiveRegistry::create(collective_name_);
    everyone_.resize(s.cluster.ranks());
    std::iota(everyone_.begin(), everyone_.end(), 0);
  }
}

const logical::Topology& DecentralizedAlgorithm::topology_for(const RankContext& ctx) {
  const std::vector<int>& live = ctx.live_ranks();
  if (live.empty()) return *topology_;
  if (!surviving_ || live != surviving_ranks_) {  // the membership changed at a rendezvous
    std::vector<char> dead(static_cast<std::size_t>(topology_->size()), 1);
    for (int r : live) dead[static_cast<std::size_t>(r)] = 0;
    surviving_ = std::make_unique<logical::Topology>(logical::surviving_topology(*topology_, dead));
    surviving_ranks_ = live;
  }
  return *surviving_;
}

GossipVec<float> DecentralizedAlgorithm::exchange_finish(RankContext& ctx, const logical::Topology& topology,
                                                         std::vector<RankContext::Request>& receives,
                                                         std::vector<RankContext::Request>& sends,
                                                         const GossipVec<float>& send) {
  const auto peers = topology.recv_peers(ctx.iteration(), ctx.rank());
  std::vector<Message> received = ctx.wait_all(receives);
  ctx.wait_all(sends);
  // Difference form, x_i + sum_j w_ij (x_j - x_i): the self weight is implied exactly. The plain form
  // w_ii x_i + sum_j w_ij x_j with float weights whose sum is 1 + 3e-8 scales the average by that factor
  // every round, a drift that bias-corrected rules (exact diffusion, gradient tracking) integrate
  // linearly: exact diffusion on a ring of 8 ended 2.5e-3 from x* after 6000 rounds, 3e-5 in this form.
  GossipVec<float> mixed = send;
  for (size_t j = 0; j < peers.size(); ++j)
    if (send.size() > 0) mixed += static_cast<float>(peers[j].weight) * (to_vec(received[j]) - send);
  return mixed;
}

void DecentralizedAlgorithm::worker_iteration(RankContext& ctx, Workload& work) {
  if (!topology_) set_up(ctx.scenario());
  const int k = ctx.iteration();
  const int rank = ctx.rank();
  GossipRule<float>& rule = *rules_[rank];
  using At = GossipRule<float>::GradientAt;
  const float lr = static_cast<float>(work.learning_rate(ctx));
  const double bytes = rule.vectors() * ctx.scenario().workload.message_bytes();

  GossipVec<float> x = to_vec(work.parameters(ctx));
  GossipVec<float> g;
  if (k == 0 && rule.needs_initial_gradient()) rule.start(x, to_vec(work.gradient(ctx)));
  if (rule.gradient_at() == At::BeforeExchange) g = to_vec(work.gradient(ctx));
  GossipVec<float> send;
  rule.prepare(x, g, lr, send);

  GossipVec<float> mixed;
  if (hierarchical_exchange_) {
    mixed = hierarchical_exchange_->mix(ctx, k, send, bytes);  // blocking: validate() rejects overlap
  } else {
    const logical::Topology& topology = topology_for(ctx);
    // One gossip round is one collective on the trace's comm track (BlueFog's neighbor_allreduce).
    RankContext::CollectiveSpan span(ctx, "neighbor_allreduce", "gossip", bytes,
                                     static_cast<int>(topology.recv_peers(k, rank).size()) + 1);
    std::vector<RankContext::Request> receives, sends;
    for (const auto& peer : topology.recv_peers(k, rank)) receives.push_back(ctx.irecv(peer.rank));
    for (const auto& peer : topology.send_peers(k, rank)) sends.push_back(ctx.isend(peer.rank, to_message(send, bytes)));
    if (rule.gradient_at() == At::DuringExchange) g = to_vec(work.gradient(ctx));  // overlaps the exchange
    mixed = exchange_finish(ctx, topology, receives, sends, send);
  }

  rule.combine(x, mixed, g, lr);
  work.set_parameters(ctx, to_message(x, ctx.scenario().workload.message_bytes()));
  if (rule.gradient_at() == At::AfterExchange) rule.after_gradient(to_vec(work.gradient(ctx)));

  const int every = global_average_every_;
  if (every > 0 && (k + 1) % every == 0) {
    Message params = work.parameters(ctx);
    const std::vector<int>& group = ctx.live_ranks().empty() ? everyone_ : ctx.live_ranks();
    global_average_->allreduce(ctx, group, params);
    for (float& v : params.values) v /= static_cast<float>(group.size());
    work.set_parameters(ctx, std::move(params));
  }
}

}  // namespace dtsim
