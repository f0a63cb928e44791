// Runs a gossip rule (gossip_rule.h) on every rank over the logical graph of algorithm.graph: the
// neighbour exchanges travel on the simulated network (and contend there), the rule's math runs on the
// real parameters when numerics are on. Optional periodic global averaging every H iterations
// (ring allreduce of the parameters), as D-SGD with periodic global averaging does.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/decentralized/gossip_rule.h"
#include "algorithms/training/training_algorithm.h"
#include "topologies/logical/topology.h"

namespace dtsim {

class DecentralizedAlgorithm : public TrainingAlgorithm {
 public:
  explicit DecentralizedAlgorithm(std::string rule) : rule_name_(std::move(rule)) {}
  void validate(const Scenario& s, ErrorList& errors) const override;
  bool keeps_replicas_identical() const override { return false; }
  bool uses_graph() const override { return true; }
  void worker_iteration(RankContext& ctx, Workload& work) override;

 private:
  void set_up(const Scenario& s);
  // sum_j w_ij send_j over the round's graph; `bytes` is what travels per neighbour.
  GossipVec<float> exchange_finish(RankContext& ctx, std::vector<RankContext::Request>& receives,
                                   std::vector<RankContext::Request>& sends, const GossipVec<float>& send);

  std::string rule_name_;
  std::unique_ptr<logical::Topology> topology_;
  std::vector<std::unique_ptr<GossipRule<float>>> rules_;  // one per rank: the rule keeps rank state
  std::unique_ptr<Collective> global_average_;
  std::vector<int> everyone_;
};

}  // namespace dtsim
