#include "topologies/logical/weights.h"

#include <algorithm>
#include <stdexcept>

namespace dtsim::logical {

std::string to_string(Weighting w) {
  switch (w) {
    case Weighting::Default: return "default";
    case Weighting::Uniform: return "uniform 1/(in-degree+1)";
    case Weighting::MetropolisHastings: return "metropolis-hastings";
    case Weighting::Given: return "given";
  }
  return "?";
}

Weighting parse_weighting(const std::string& s) {
  if (s == "default") return Weighting::Default;
  if (s == "uniform") return Weighting::Uniform;
  if (s == "metropolis" || s == "metropolis_hastings" || s == "metropolis-hastings" || s == "mh")
    return Weighting::MetropolisHastings;
  throw std::invalid_argument("unknown weighting '" + s +
                              "'; use one of: default, uniform, metropolis");
}

Arcs normalized(int n, Arcs arcs) {
  for (auto [u, v] : arcs)
    if (u < 0 || u >= n || v < 0 || v >= n)
      throw std::invalid_argument("link " + std::to_string(u) + " -> " + std::to_string(v) +
                                  " names a rank outside 0.." + std::to_string(n - 1));
  arcs.erase(std::remove_if(arcs.begin(), arcs.end(), [](auto a) { return a.first == a.second; }),
             arcs.end());
  std::sort(arcs.begin(), arcs.end());
  arcs.erase(std::unique(arcs.begin(), arcs.end()), arcs.end());
  return arcs;
}

Arcs undirected(int n, const std::vector<std::pair<int, int>>& pairs) {
  Arcs arcs;
  arcs.reserve(2 * pairs.size());
  for (auto [u, v] : pairs) {
    arcs.emplace_back(u, v);
    arcs.emplace_back(v, u);
  }
  return normalized(n, std::move(arcs));
}

bool is_symmetric(const Arcs& arcs) {
  for (auto [u, v] : arcs)
    if (!std::binary_search(arcs.begin(), arcs.end(), std::make_pair(v, u))) return false;
  return true;
}

namespace {
std::vector<int> in_degrees(int n, const Arcs& arcs) {
  std::vector<int> d(n, 0);
  for (auto a : arcs) ++d[a.second];
  return d;
}
}  // namespace

Graph uniform_weights(int n, const Arcs& arcs) {
  const auto deg = in_degrees(n, arcs);
  Graph g(n);
  for (int v = 0; v < n; ++v) boost::add_edge(v, v, 1.0 / (deg[v] + 1), g);
  for (auto [u, v] : arcs) boost::add_edge(u, v, 1.0 / (deg[v] + 1), g);
  return g;
}

Graph metropolis_hastings_weights(int n, const Arcs& arcs) {
  if (!is_symmetric(arcs))
    throw std::invalid_argument(
        "Metropolis-Hastings weights need an undirected graph (every link u -> v needs v -> u)");
  const auto deg = in_degrees(n, arcs);
  Graph g(n);
  std::vector<double> offdiag(n, 0.0);
  for (auto [u, v] : arcs) {
    const double w = 1.0 / (1 + std::max(deg[u], deg[v]));
    boost::add_edge(u, v, w, g);
    offdiag[v] += w;
  }
  for (int v = 0; v < n; ++v) boost::add_edge(v, v, 1.0 - offdiag[v], g);
  return g;
}

Weighting resolve(Weighting w, const Arcs& arcs) {
  if (w != Weighting::Default) return w;
  return is_symmetric(arcs) ? Weighting::MetropolisHastings : Weighting::Uniform;
}

Graph weigh(int n, const Arcs& arcs, Weighting w) {
  switch (resolve(w, arcs)) {
    case Weighting::Uniform: return uniform_weights(n, arcs);
    case Weighting::MetropolisHastings: return metropolis_hastings_weights(n, arcs);
    default: break;
  }
  throw std::invalid_argument("weighting '" + to_string(w) +
                              "' needs explicit weights (edge list or matrix)");
}

}  // namespace dtsim::logical
