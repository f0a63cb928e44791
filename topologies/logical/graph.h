#pragma once
// The weighted directed graph behind every logical topology.
//
// An edge u -> v means "rank u sends to rank v in this round"; its weight is the weight rank v
// gives to u's value when it averages, i.e. W(v, u). A self-loop v -> v carries W(v, v).
// So row v of the mixing matrix W holds v's in-edges plus its self-loop, and one gossip step is
// x <- W x (x_v = sum_u W(v,u) x_u).
#include <boost/graph/adjacency_list.hpp>
#include <Eigen/Dense>

#include <vector>

namespace dtsim::logical {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                    boost::no_property,
                                    boost::property<boost::edge_weight_t, double>>;

// A neighbour of a rank with the mixing weight of that link (the weight the receiver applies).
struct Peer {
  int rank;
  double weight;
  bool operator==(const Peer& o) const { return rank == o.rank && weight == o.weight; }
};

int num_ranks(const Graph& g);

// Adds u -> v with weight w, or overwrites the weight if that edge exists. u == v sets the
// self weight.
void set_weight(Graph& g, int u, int v, double w);

// Weight of u -> v (0 when there is no such edge).
double weight(const Graph& g, int u, int v);

// Ranks that send to `rank` (in-edges, self-loop excluded), sorted by rank.
std::vector<Peer> in_peers(const Graph& g, int rank);
// Ranks that `rank` sends to (out-edges, self-loop excluded), sorted by rank; the weight is the
// one the receiver applies.
std::vector<Peer> out_peers(const Graph& g, int rank);
double self_weight(const Graph& g, int rank);

// Dense mixing matrix: W(v, u) = weight(u -> v), W(v, v) = self weight.
Eigen::MatrixXd mixing_matrix(const Graph& g);

// The graph of a dense matrix: an edge u -> v for every nonzero W(v, u), u != v, and a self-loop
// for every nonzero diagonal entry. Does not validate W (see validate.h).
Graph graph_from_matrix(const Eigen::MatrixXd& W);

}  // namespace dtsim::logical
