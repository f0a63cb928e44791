// Runs a gossip rule (the same code the simulator runs in float) in double precision on every rank
// of a full-batch least-squares problem, with the dense mixing matrix of a logical topology. Used to
// check the convergence claims of the decentralized methods (D-SGD, DmSGD, DecentLaM, gradient
// tracking, exact diffusion) without simulated time.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "algorithms/training/decentralized/gossip_rule.h"
#include "kernels/least_squares.h"
#include "topologies/logical/registry.h"

namespace dtsim::test {

struct GossipRunResult {
  double mean_relative_error = 0;  // mean_i ||x_i - x*|| / ||x*||
  double mean_squared_error = 0;   // mean_i ||x_i - x*||^2
};

// W(k): the mixing matrix of round k.
using MixingSchedule = std::function<Eigen::MatrixXd(int round)>;

inline GossipRunResult run_gossip_rule(const std::string& rule_name, const MixingSchedule& mixing, int n, double lr,
                                       double momentum, int iterations, double heterogeneity, int dim = 10,
                                       int samples = 40, std::uint64_t seed = 5) {
  const kernels::LeastSquaresProblem problem = kernels::make_least_squares(n, samples, dim, heterogeneity, seed);
  GossipRuleParams params;
  params.momentum = momentum;
  std::vector<std::unique_ptr<GossipRule<double>>> rules;
  for (int i = 0; i < n; ++i) rules.push_back(gossip_rules().at(rule_name).make_double(params));
  auto gradient = [&](int i, const GossipVec<double>& x) -> GossipVec<double> {
    const auto& A = problem.A[i];
    return A.transpose() * (A * x - problem.b[i]) / static_cast<double>(A.rows());
  };
  std::vector<GossipVec<double>> x(n, GossipVec<double>::Zero(dim));
  using At = GossipRule<double>::GradientAt;
  for (int i = 0; i < n; ++i)
    if (rules[i]->needs_initial_gradient()) rules[i]->start(x[i], gradient(i, x[i]));
  for (int k = 0; k < iterations; ++k) {
    const Eigen::MatrixXd W = mixing(k);
    std::vector<GossipVec<double>> g(n), send(n);
    for (int i = 0; i < n; ++i) {
      if (rules[i]->gradient_at() != At::AfterExchange) g[i] = gradient(i, x[i]);
      GossipVec<double> none;
      rules[i]->prepare(x[i], rules[i]->gradient_at() == At::BeforeExchange ? g[i] : none, lr, send[i]);
    }
    for (int i = 0; i < n; ++i) {
      GossipVec<double> mixed = GossipVec<double>::Zero(send[i].size());
      for (int j = 0; j < n; ++j) mixed += W(i, j) * send[j];
      rules[i]->combine(x[i], mixed, g[i], lr);
      if (rules[i]->gradient_at() == At::AfterExchange) rules[i]->after_gradient(gradient(i, x[i]));
    }
  }
  GossipRunResult r;
  for (int i = 0; i < n; ++i) {
    const double e = (x[i] - problem.x_star).norm();
    r.mean_relative_error += e / problem.x_star.norm() / n;
    r.mean_squared_error += e * e / n;
  }
  return r;
}

inline GossipRunResult run_gossip_rule(const std::string& rule_name, const std::string& graph, int n, double lr,
                                       double momentum, int iterations, double heterogeneity, int dim = 10,
                                       int samples = 40, std::uint64_t seed = 5) {
  const logical::Topology topology = logical::make_topology(graph, n);
  return run_gossip_rule(
      rule_name, [&](int k) { return topology.matrix(k); }, n, lr, momentum, iterations, heterogeneity, dim, samples,
      seed);
}

}  // namespace dtsim::test
