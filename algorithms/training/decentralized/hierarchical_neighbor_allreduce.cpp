#include "algorithms/training/decentralized/hierarchical_neighbor_allreduce.h"

#include <numeric>

#include "algorithms/collectives/operations.h"

namespace dtsim {
namespace {

Eigen::Map<const GossipVec<float>> view(const std::vector<float>& v, Eigen::Index offset, Eigen::Index size) {
  return {v.data() + offset, size};
}

}  // namespace

HierarchicalNeighborAllreduce::HierarchicalNeighborAllreduce(const logical::Topology& machines, int gpus_per_node,
                                                             const Collective& local)
    : machines_(machines), g_(gpus_per_node), local_(local) {}

GossipVec<float> HierarchicalNeighborAllreduce::mix(RankContext& ctx, std::int64_t round, const GossipVec<float>& send,
                                                    double bytes) const {
  const int machine = ctx.rank() / g_;
  const int leader = machine * g_;
  std::vector<int> local(g_);
  std::iota(local.begin(), local.end(), leader);

  Message average{bytes, std::vector<float>(send.data(), send.data() + send.size())};
  local_.allreduce(ctx, local, average);  // the machine's sum
  for (float& v : average.values) v /= static_cast<float>(g_);

  const auto from = machines_.recv_peers(round, machine);
  const Eigen::Index d = send.size();
  Message received{bytes * static_cast<double>(from.size()), {}};
  if (ctx.rank() == leader) {
    std::vector<RankContext::Request> receives, sends;
    for (const auto& peer : from) receives.push_back(ctx.irecv(peer.rank * g_));
    for (const auto& peer : machines_.send_peers(round, machine)) sends.push_back(ctx.isend(peer.rank * g_, average));
    for (Message& m : ctx.wait_all(receives)) received.values.insert(received.values.end(), m.values.begin(), m.values.end());
    ctx.wait_all(sends);
  }
  if (!from.empty()) broadcast_binomial(ctx, local, 0, received);

  // Difference form (see DecentralizedAlgorithm::exchange_finish): the self weight is implied exactly.
  GossipVec<float> mixed = view(average.values, 0, d);
  for (std::size_t j = 0; j < from.size() && d > 0; ++j)
    mixed += static_cast<float>(from[j].weight) *
             (view(received.values, static_cast<Eigen::Index>(j) * d, d) - view(average.values, 0, d));
  return mixed;
}

Eigen::MatrixXd HierarchicalNeighborAllreduce::rank_matrix(const Eigen::MatrixXd& machine_w, int g) {
  const Eigen::Index M = machine_w.rows();
  Eigen::MatrixXd W(M * g, M * g);
  for (Eigen::Index a = 0; a < M; ++a)
    for (Eigen::Index b = 0; b < M; ++b) W.block(a * g, b * g, g, g).setConstant(machine_w(a, b) / g);
  return W;
}

double HierarchicalNeighborAllreduce::closed_form(const CostModel& m, const Collective& local, int out_degree,
                                                  int in_degree) {
  const int g = m.gpus_per_node;
  double t = g > 1 ? local.closed_form(g, m.n, m.alpha_local, m.beta_local) : 0;
  if (out_degree > 0 || in_degree > 0) t += m.alpha + std::max(out_degree, in_degree) * m.n * m.beta;
  if (in_degree > 0) t += broadcast_binomial_time(g, in_degree * m.n, m.alpha_local, m.beta_local);
  return t;
}

}  // namespace dtsim
