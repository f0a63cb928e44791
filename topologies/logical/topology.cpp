#include "topologies/logical/topology.h"

#include <stdexcept>

namespace dtsim::logical {

Topology::Topology(std::string name, std::vector<Graph> rounds, Weighting weighting)
    : name_(std::move(name)), rounds_(std::move(rounds)), weighting_(weighting) {
  if (rounds_.empty()) throw std::invalid_argument("topology '" + name_ + "' has no graph");
  for (const auto& g : rounds_)
    if (num_ranks(g) != num_ranks(rounds_.front()))
      throw std::invalid_argument("topology '" + name_ + "': rounds differ in number of ranks");
}

const Graph& Topology::graph(std::int64_t round) const {
  if (round < 0) throw std::out_of_range("round " + std::to_string(round) + " is negative");
  return rounds_[static_cast<std::size_t>(round % period())];
}

std::vector<Peer> Topology::recv_peers(std::int64_t round, int rank) const {
  return in_peers(graph(round), rank);
}
std::vector<Peer> Topology::send_peers(std::int64_t round, int rank) const {
  return out_peers(graph(round), rank);
}
double Topology::self_weight(std::int64_t round, int rank) const {
  return logical::self_weight(graph(round), rank);
}
std::vector<int> Topology::peers_at(std::int64_t round, int rank) const {
  std::vector<int> out;
  for (const Peer& p : send_peers(round, rank)) out.push_back(p.rank);
  return out;
}
Eigen::MatrixXd Topology::matrix(std::int64_t round) const { return mixing_matrix(graph(round)); }

Topology from_arcs(std::string name, int n, const Arcs& arcs, Weighting weighting) {
  const Arcs a = normalized(n, arcs);
  const Weighting w = resolve(weighting, a);
  std::vector<Graph> rounds;
  rounds.push_back(weigh(n, a, w));
  return Topology(std::move(name), std::move(rounds), w);
}

}  // namespace dtsim::logical
