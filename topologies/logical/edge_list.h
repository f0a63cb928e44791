#pragma once
// A topology from a user's list of links (the JSON is parsed elsewhere into these structs).
#include "topologies/logical/registry.h"

namespace dtsim::logical {

// Links u -> v (and v -> u unless `directed`). Either every edge has a weight >= 0 (then the
// weights are given: W(v,u) = weight, W(v,v) = self_weights[v], or 1 - the rest of row v when
// self_weights is empty, and W is validated: std::invalid_argument with the validation message if
// it is not doubly stochastic), or none has (then `weighting` computes them; Default =
// Metropolis-Hastings for undirected links, uniform for directed ones).
Topology from_edge_list(int n, const std::vector<Edge>& edges, bool directed = false,
                        Weighting weighting = Weighting::Default,
                        const std::vector<double>& self_weights = {});

}  // namespace dtsim::logical
