#include "topologies/logical/graph.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dtsim::logical {

namespace {
void check_rank(const Graph& g, int r) {
  if (r < 0 || r >= num_ranks(g))
    throw std::out_of_range("rank " + std::to_string(r) + " is outside 0.." +
                            std::to_string(num_ranks(g) - 1));
}
bool by_rank(const Peer& a, const Peer& b) { return a.rank < b.rank; }
}  // namespace

int num_ranks(const Graph& g) { return static_cast<int>(boost::num_vertices(g)); }

void set_weight(Graph& g, int u, int v, double w) {
  check_rank(g, u);
  check_rank(g, v);
  auto [e, found] = boost::edge(u, v, g);
  if (!found) e = boost::add_edge(u, v, g).first;
  boost::put(boost::edge_weight, g, e, w);
}

double weight(const Graph& g, int u, int v) {
  check_rank(g, u);
  check_rank(g, v);
  auto [e, found] = boost::edge(u, v, g);
  return found ? boost::get(boost::edge_weight, g, e) : 0.0;
}

std::vector<Peer> in_peers(const Graph& g, int rank) {
  check_rank(g, rank);
  std::vector<Peer> out;
  for (auto [it, end] = boost::in_edges(rank, g); it != end; ++it) {
    const int u = static_cast<int>(boost::source(*it, g));
    if (u != rank) out.push_back({u, boost::get(boost::edge_weight, g, *it)});
  }
  std::sort(out.begin(), out.end(), by_rank);
  return out;
}

std::vector<Peer> out_peers(const Graph& g, int rank) {
  check_rank(g, rank);
  std::vector<Peer> out;
  for (auto [it, end] = boost::out_edges(rank, g); it != end; ++it) {
    const int v = static_cast<int>(boost::target(*it, g));
    if (v != rank) out.push_back({v, boost::get(boost::edge_weight, g, *it)});
  }
  std::sort(out.begin(), out.end(), by_rank);
  return out;
}

double self_weight(const Graph& g, int rank) { return weight(g, rank, rank); }

Eigen::MatrixXd mixing_matrix(const Graph& g) {
  const int n = num_ranks(g);
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(n, n);
  for (auto [it, end] = boost::edges(g); it != end; ++it)
    W(boost::target(*it, g), boost::source(*it, g)) += boost::get(boost::edge_weight, g, *it);
  return W;
}

Graph graph_from_matrix(const Eigen::MatrixXd& W) {
  if (W.rows() != W.cols())
    throw std::invalid_argument("mixing matrix must be square, got " + std::to_string(W.rows()) +
                                " x " + std::to_string(W.cols()));
  const int n = static_cast<int>(W.rows());
  Graph g(n);
  for (int v = 0; v < n; ++v)
    for (int u = 0; u < n; ++u)
      if (W(v, u) != 0.0) boost::add_edge(u, v, W(v, u), g);
  return g;
}

}  // namespace dtsim::logical
