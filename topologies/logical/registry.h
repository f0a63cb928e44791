#pragma once
// Topologies by name. Each generator registers itself from its own file:
//
//   namespace { [[maybe_unused]] const bool registered = register_topology(
//       {"ring", "each rank talks to i-1 and i+1", {}, &make_ring}); }
//
// so adding a topology touches one .cpp file (plus its test).
#include "topologies/logical/topology.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dtsim::logical {

// A user-given link u -> v. weight < 0 means "compute it" (see Params::weighting).
struct Edge {
  int from = 0;
  int to = 0;
  double weight = -1.0;
};

// Everything a generator may need; each generator reads only the fields it lists in
// TopologyInfo::params.
struct Params {
  double p = 0.5;            // "p": Erdos-Renyi link probability
  std::uint64_t seed = 1;    // "seed": Erdos-Renyi random stream
  int per_node = 0;          // "per-node": hierarchical, ranks per machine (required there)
  int rows = 0;              // "rows": grid / torus rows; 0 = the most square factorization
  Weighting weighting = Weighting::Default;
  std::vector<Edge> edges;   // "edges": edge_list links
  bool directed = false;     // "directed": edge_list links are one-way
  std::vector<double> self_weights;  // edge_list with given weights: W(v,v), or empty = 1 - row
};

using Factory = Topology (*)(int n, const Params& params);

struct TopologyInfo {
  std::string name;
  std::string summary;
  std::vector<std::string> params;  // Params fields it reads ("p", "seed", "per-node", ...)
  Factory make = nullptr;
};

// Returns true; throws std::logic_error on a duplicate name.
bool register_topology(TopologyInfo info);

// Names compare with '-' and '_' treated alike. nullptr when unknown.
const TopologyInfo* find_topology(const std::string& name);
std::vector<std::string> topology_names();  // sorted

// Builds `name` on n ranks. Throws std::invalid_argument for an unknown name (listing the known
// ones) or parameters the generator rejects (n too small, p outside [0,1], ...).
Topology make_topology(const std::string& name, int n, const Params& params = {});

}  // namespace dtsim::logical
