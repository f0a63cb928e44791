#pragma once
// A logical topology: the weighted graph each rank gossips over, round by round.
//
// Static graphs have period 1. Time-varying graphs (one-peer exponential) cycle through
// `period()` graphs: round k uses graph(k mod period).
#include "topologies/logical/graph.h"
#include "topologies/logical/weights.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dtsim::logical {

class Topology {
 public:
  // All graphs must have the same number of ranks; at least one graph.
  Topology(std::string name, std::vector<Graph> rounds, Weighting weighting);

  const std::string& name() const { return name_; }
  Weighting weighting() const { return weighting_; }
  int size() const { return num_ranks(rounds_.front()); }
  int period() const { return static_cast<int>(rounds_.size()); }
  bool time_varying() const { return period() > 1; }

  // Graph used at `round` (round >= 0).
  const Graph& graph(std::int64_t round = 0) const;
  // Ranks `rank` receives from at `round`, with the weights it applies to them.
  std::vector<Peer> recv_peers(std::int64_t round, int rank) const;
  // Ranks `rank` sends to at `round` (weight = what the receiver applies).
  std::vector<Peer> send_peers(std::int64_t round, int rank) const;
  double self_weight(std::int64_t round, int rank) const;
  // Just the ranks `rank` sends to at `round` (one-peer exponential: {rank + 2^(round mod tau)}).
  std::vector<int> peers_at(std::int64_t round, int rank) const;
  // Dense W(round): x(round+1) = W(round) x(round).
  Eigen::MatrixXd matrix(std::int64_t round = 0) const;

 private:
  std::string name_;
  std::vector<Graph> rounds_;
  Weighting weighting_;
};

// A static topology from connectivity and a weighting rule (see weights.h).
Topology from_arcs(std::string name, int n, const Arcs& arcs, Weighting weighting);

}  // namespace dtsim::logical
