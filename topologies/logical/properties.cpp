#include "topologies/logical/properties.h"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include <algorithm>
#include <queue>

namespace dtsim::logical {

double rho(const Eigen::MatrixXd& W) {
  const auto n = W.rows();
  if (n == 0) return 0.0;
  const Eigen::MatrixXd M = W - Eigen::MatrixXd::Constant(n, n, 1.0 / static_cast<double>(n));
  if ((M - M.transpose()).cwiseAbs().maxCoeff() <= 1e-14) {
    // Symmetric: the 2-norm is the largest |eigenvalue|; the eigensolver is faster and as exact.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(M, Eigen::EigenvaluesOnly);
    return es.eigenvalues().cwiseAbs().maxCoeff();
  }
  if (n <= 64) return Eigen::JacobiSVD<Eigen::MatrixXd>(M).singularValues()(0);
  return Eigen::BDCSVD<Eigen::MatrixXd>(M).singularValues()(0);
}

namespace {
// (W X)^T from X^T through the graph's edges: O(edges x n) instead of a dense n^3 product, and
// on columns, which Eigen stores contiguously.
Eigen::MatrixXd apply_transposed(const Graph& g, const Eigen::MatrixXd& Xt) {
  Eigen::MatrixXd Yt = Eigen::MatrixXd::Zero(Xt.rows(), Xt.cols());
  for (auto [it, end] = boost::edges(g); it != end; ++it)
    Yt.col(boost::target(*it, g)) += boost::get(boost::edge_weight, g, *it) * Xt.col(boost::source(*it, g));
  return Yt;
}
}  // namespace

Eigen::MatrixXd period_product(const Topology& t) {
  Eigen::MatrixXd Pt = t.matrix(0).transpose();
  for (int k = 1; k < t.period(); ++k) Pt = apply_transposed(t.graph(k), Pt);
  return Pt.transpose();
}

double rho(const Topology& t) { return rho(period_product(t)); }

double max_round_rho(const Topology& t) {
  double r = 0;
  for (int k = 0; k < t.period(); ++k) r = std::max(r, rho(t.matrix(k)));
  return r;
}

DegreeStats degree_stats(const Graph& g) {
  const int n = num_ranks(g);
  std::vector<int> in(n, 0), out(n, 0);
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const auto u = boost::source(*it, g), v = boost::target(*it, g);
    if (u == v) continue;
    ++out[u];
    ++in[v];
  }
  DegreeStats d;
  if (n == 0) return d;
  d.min_in = *std::min_element(in.begin(), in.end());
  d.max_in = *std::max_element(in.begin(), in.end());
  d.min_out = *std::min_element(out.begin(), out.end());
  d.max_out = *std::max_element(out.begin(), out.end());
  for (int v = 0; v < n; ++v) {
    d.mean_in += in[v];
    d.mean_out += out[v];
  }
  d.mean_in /= n;
  d.mean_out /= n;
  return d;
}

int diameter(const Graph& g) {
  const int n = num_ranks(g);
  int diam = 0;
  std::vector<int> dist(n);
  for (int s = 0; s < n; ++s) {
    std::fill(dist.begin(), dist.end(), -1);
    std::queue<int> q;
    dist[s] = 0;
    q.push(s);
    int reached = 1;
    while (!q.empty()) {
      const int u = q.front();
      q.pop();
      for (auto [it, end] = boost::out_edges(u, g); it != end; ++it) {
        const int v = static_cast<int>(boost::target(*it, g));
        if (dist[v] >= 0) continue;
        dist[v] = dist[u] + 1;
        diam = std::max(diam, dist[v]);
        ++reached;
        q.push(v);
      }
    }
    if (reached < n) return -1;
  }
  return diam;
}

Graph union_graph(const Topology& t) {
  Graph u(t.size());
  for (int k = 0; k < t.period(); ++k) {
    const Graph& g = t.graph(k);
    for (auto [it, end] = boost::edges(g); it != end; ++it) {
      const int a = static_cast<int>(boost::source(*it, g)), b = static_cast<int>(boost::target(*it, g));
      set_weight(u, a, b, weight(u, a, b) + boost::get(boost::edge_weight, g, *it));
    }
  }
  return u;
}

Traffic traffic_per_round(const Topology& t, double message_bytes) {
  Traffic tr;
  long long sum = 0;
  for (int k = 0; k < t.period(); ++k) {
    const Graph& g = t.graph(k);
    tr.max_messages = std::max(tr.max_messages, degree_stats(g).max_out);
    for (auto [it, end] = boost::edges(g); it != end; ++it)
      if (boost::source(*it, g) != boost::target(*it, g)) ++sum;
  }
  const double rounds_ranks = static_cast<double>(t.period()) * t.size();
  tr.mean_messages = static_cast<double>(sum) / rounds_ranks;
  tr.max_bytes = tr.max_messages * message_bytes;
  tr.mean_bytes = tr.mean_messages * message_bytes;
  tr.total_bytes_per_round = static_cast<double>(sum) * message_bytes / t.period();
  return tr;
}

}  // namespace dtsim::logical
