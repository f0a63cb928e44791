// Runs a gossip rule (gossip_rule.h) on every rank over the logical graph of algorithm.graph: the
// neighbour exchanges travel on the simulated network (and contend there), the rule's math runs on the
// real parameters when numerics are on. Optional periodic global averaging every H iterations
// (ring allreduce of the parameters), as D-SGD with periodic global averaging does. With
// algorithm.exchange = hierarchical_neighbor_allreduce the graph is over machines and each round is
// BlueFog's hierarchical neighbor allreduce (hierarchical_neighbor_allreduce.h).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/decentralized/gossip_rule.h"
#include "algorithms/training/decentralized/hierarchical_neighbor_allreduce.h"
#include "sim/plugin/training_algorithm.h"
#include "topologies/logical/registry.h"
#include "topologies/logical/topology.h"

namespace dtsim {

// The graph's parameters from the resolved /algorithm/graph object (shared_options' "graph").
logical::Params read_graph_params(const OptionValues& graph);

class DecentralizedAlgorithm : public TrainingAlgorithm {
 public:
  DecentralizedAlgorithm(std::string rule, const OptionValues& options);
  // The /algorithm keys every decentralized algorithm owns: graph, exchange, global_average_every,
  // collective.
  static OptionList shared_options();
  void validate(const Scenario& s, ErrorList& errors) const override;
  bool keeps_replicas_identical() const override { return false; }
  // D-SGD keeps no state of its own besides the model, so failures may stop and restart it
  // (run.recovery); under elastic training it gossips over the surviving graph
  // (topologies/logical/surviving.h). The other rules keep per-rank state a checkpoint does not hold.
  bool restartable(const Scenario&) const override { return rule_name_ == "dsgd" && !hierarchical_; }
  void worker_iteration(RankContext& ctx, Workload& work) override;

 private:
  void set_up(const Scenario& s);
  int graph_size(const Scenario& s) const;
  // sum_j w_ij send_j over the round's graph; `bytes` is what travels per neighbour.
  // The graph of this round: the scenario's, or the one surviving the failed ranks (elastic).
  const logical::Topology& topology_for(const RankContext& ctx);
  GossipVec<float> exchange_finish(RankContext& ctx, const logical::Topology& topology,
                                   std::vector<RankContext::Request>& receives,
                                   std::vector<RankContext::Request>& sends, const GossipVec<float>& send);

  std::string rule_name_;
  std::string graph_name_;         // /algorithm/graph/name
  logical::Params graph_params_;   // the rest of /algorithm/graph
  bool overlap_ = false;           // /algorithm/overlap (D-SGD only)
  int global_average_every_ = 0;   // /algorithm/global_average_every (0: never)
  std::string collective_name_;    // /algorithm/collective: the global average's (and machine's) allreduce
  bool hierarchical_ = false;      // /algorithm/exchange = hierarchical_neighbor_allreduce
  std::unique_ptr<logical::Topology> topology_;  // over ranks, or over machines when hierarchical_
  std::vector<int> surviving_ranks_;             // the live ranks `surviving_` was built for
  std::unique_ptr<logical::Topology> surviving_;
  std::unique_ptr<Collective> local_allreduce_;
  std::unique_ptr<HierarchicalNeighborAllreduce> hierarchical_exchange_;
  std::vector<std::unique_ptr<GossipRule<float>>> rules_;  // one per rank: the rule keeps rank state
  std::unique_ptr<Collective> global_average_;
  std::vector<int> everyone_;
};

}  // namespace dtsim
