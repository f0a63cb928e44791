#pragma once
// Topologies by name. Each generator registers itself from its own file:
//
//   namespace { [[maybe_unused]] const bool registered = register_topology(
//       {"ring", "each rank talks to i-1 and i+1", {}, &make_ring}); }
//
// with the /algorithm/graph keys it owns (declared Options: read, checked and stated in the schema;
// giving a graph a key another graph owns is an "only meaningful for" error), so adding a topology
// touches one .cpp file (plus its test). The declarations also land in plugin_family("graph").
#include "topologies/logical/topology.h"

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/options.h"

namespace dtsim::logical {

// A user-given link u -> v. weight < 0 means "compute it" (see Params::weighting).
struct Edge {
  int from = 0;
  int to = 0;
  double weight = -1.0;
};

// Everything a generator may need; each generator reads only the fields whose keys it declares in
// TopologyInfo::options.
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
  OptionList options;  // the /algorithm/graph keys it owns ("p", "seed", "per_node", ...), as Params fields
  Factory make = nullptr;
};

// The plugin family of the graphs' declarations (/algorithm/graph/name).
inline constexpr const char* kGraphFamily = "graph";

// Returns true; throws std::logic_error on a duplicate name.
bool register_topology(TopologyInfo info);

// Declarations that several generators own.
Option rows_option();      // grid, torus
Option per_node_option();  // the machine-aware graphs: ranks per machine

// Params from a graph's resolved options (read_options on its declarations; "weights" included):
// only the keys present are taken, the others keep Params' defaults.
Params params_from(const OptionValues& options);

// Names compare with '-' and '_' treated alike. nullptr when unknown.
const TopologyInfo* find_topology(const std::string& name);
std::vector<std::string> topology_names();  // sorted

// Builds `name` on n ranks. Throws std::invalid_argument for an unknown name (listing the known
// ones) or parameters the generator rejects (n too small, p outside [0,1], ...).
Topology make_topology(const std::string& name, int n, const Params& params = {});

}  // namespace dtsim::logical
