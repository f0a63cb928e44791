// BlueFog's hierarchical neighbor allreduce (Ying et al., "BlueFog: Make Decentralized Algorithms
// Practical for Optimization and Deep Learning", 2021; bluefog's hierarchical_neighbor_allreduce as its
// NCCL controller runs it): each machine acts as one node of a machine-level graph.
//   1. allreduce (average) of each rank's vector inside its machine (algorithm.collective);
//   2. local rank 0 of every machine sends the machine's average to local rank 0 of its out-neighbour
//      machines and receives its in-neighbours' averages: one GPU per machine talks across machines,
//      sending the whole model, as BlueFog does (it does not split the model over the machine's GPUs);
//   3. local rank 0 broadcasts the d received averages inside the machine (binomial tree);
//   4. every rank mixes them: a_m + sum_j W_M(m, j) (a_j - a_m), W_M the machine graph's round.
// The rank-level mixing matrix is W_M (x) 11^T/g: doubly stochastic whenever W_M is, and one period of
// the one-peer exponential graph over 2^k machines averages every rank exactly.
#pragma once
#include <Eigen/Dense>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/decentralized/gossip_rule.h"
#include "topologies/logical/topology.h"

namespace dtsim {

class HierarchicalNeighborAllreduce {
 public:
  // `machines`: the machine graph over cluster.nodes; `local`: the intra-machine allreduce.
  HierarchicalNeighborAllreduce(const logical::Topology& machines, int gpus_per_node, const Collective& local);

  // Round `round` of the scheme for this rank; `bytes`: the simulated size of `send`.
  GossipVec<float> mix(RankContext& ctx, std::int64_t round, const GossipVec<float>& send, double bytes) const;

  // W_M (x) 11^T/g: x <- this x is what one round does to the ranks' vectors.
  static Eigen::MatrixXd rank_matrix(const Eigen::MatrixXd& machine_w, int gpus_per_node);

  // One round on the exact alpha-beta network: the local allreduce, the leader's d out-flows through
  // one NIC (alpha + d n beta), the broadcast of d_in received messages (ceil(lg g)(alpha_l + d_in n beta_l)).
  static double closed_form(const CostModel& m, const Collective& local, int out_degree, int in_degree);

 private:
  const logical::Topology& machines_;
  int g_;
  const Collective& local_;
};

}  // namespace dtsim
