#include "topologies/logical/surviving.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace dtsim::logical {
namespace {

Graph surviving_round(const Graph& g, const std::vector<char>& dead) {
  const int n = num_ranks(g);
  std::set<std::pair<int, int>> links;  // undirected, u < v
  auto link = [&](int u, int v) {
    if (u != v) links.insert({std::min(u, v), std::max(u, v)});
  };
  for (int v = 0; v < n; ++v)
    for (const Peer& p : in_peers(g, v))
      if (!dead[static_cast<std::size_t>(v)] && !dead[static_cast<std::size_t>(p.rank)]) link(p.rank, v);
  // Route around each dead rank: its live neighbours (either direction) form a ring among themselves.
  for (int d = 0; d < n; ++d) {
    if (!dead[static_cast<std::size_t>(d)]) continue;
    std::set<int> around;
    for (const Peer& p : in_peers(g, d)) around.insert(p.rank);
    for (const Peer& p : out_peers(g, d)) around.insert(p.rank);
    std::vector<int> live;
    for (int r : around)
      if (!dead[static_cast<std::size_t>(r)]) live.push_back(r);
    for (std::size_t i = 0; live.size() > 1 && i < live.size(); ++i) link(live[i], live[(i + 1) % live.size()]);
  }
  std::vector<std::pair<int, int>> pairs(links.begin(), links.end());
  return metropolis_hastings_weights(n, undirected(n, pairs));
}

}  // namespace

Topology surviving_topology(const Topology& t, const std::vector<char>& dead) {
  if (static_cast<int>(dead.size()) != t.size())
    throw std::invalid_argument("surviving_topology: " + std::to_string(dead.size()) + " flags for " +
                                std::to_string(t.size()) + " ranks");
  std::vector<Graph> rounds;
  for (int k = 0; k < t.period(); ++k) rounds.push_back(surviving_round(t.graph(k), dead));
  return Topology(t.name() + " without failed ranks", std::move(rounds), Weighting::MetropolisHastings);
}

}  // namespace dtsim::logical
