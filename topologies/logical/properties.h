#pragma once
// What a topology costs and how fast it mixes.
#include "topologies/logical/topology.h"

namespace dtsim::logical {

// rho = ||W - 11^T/n||_2, the largest singular value of W - 11^T/n (for a doubly stochastic W:
// its second largest singular value). Consensus error shrinks by at least rho per round.
double rho(const Eigen::MatrixXd& W);

// W(period-1) ... W(1) W(0): the mixing of one full period of a time-varying topology (W for a
// static one).
Eigen::MatrixXd period_product(const Topology& t);
// rho of period_product(t): for a static topology rho(W); for a time-varying one the contraction
// of tau consecutive rounds (0 for one-peer exponential on n = 2^tau).
double rho(const Topology& t);
// Largest rho of any single round.
double max_round_rho(const Topology& t);

struct DegreeStats {
  int min_in = 0, max_in = 0, min_out = 0, max_out = 0;
  double mean_in = 0, mean_out = 0;
};
// Self-loops excluded.
DegreeStats degree_stats(const Graph& g);

// Longest shortest directed path (hops, BFS from every rank); -1 when some rank cannot reach
// another (not strongly connected). 0 for one rank.
int diameter(const Graph& g);
// Every link used in any round of the period, weights summed (for the connectivity of a
// time-varying topology: its diameter, its DOT drawing).
Graph union_graph(const Topology& t);

// Per rank per round, over all ranks and all rounds of the period; one message per out-edge.
struct Traffic {
  int max_messages = 0;
  double mean_messages = 0;
  double max_bytes = 0;
  double mean_bytes = 0;
  double total_bytes_per_round = 0;  // all ranks, mean over the period
};
Traffic traffic_per_round(const Topology& t, double message_bytes);

}  // namespace dtsim::logical
