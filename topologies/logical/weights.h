#pragma once
// Mixing weights: turn connectivity (who sends to whom) into a weighted Graph.
#include "topologies/logical/graph.h"

#include <string>
#include <utility>
#include <vector>

namespace dtsim::logical {

// Directed links u -> v (u sends to v).
using Arcs = std::vector<std::pair<int, int>>;

enum class Weighting {
  Default,             // the generator's choice (Metropolis for undirected graphs, uniform else)
  Uniform,             // W(v,u) = W(v,v) = 1/(in-degree(v) + 1): row stochastic; doubly
                       // stochastic only on regular graphs (and circulant digraphs)
  MetropolisHastings,  // W(v,u) = 1/(1 + max(deg u, deg v)), W(v,v) = 1 - sum: symmetric and
                       // doubly stochastic on any undirected graph
  Given,               // weights supplied by the caller (edge list / matrix)
};

std::string to_string(Weighting w);
// "uniform", "metropolis" (or "metropolis_hastings", "mh"), "default". Throws
// std::invalid_argument naming the accepted values.
Weighting parse_weighting(const std::string& s);

// Sorted, without duplicates and self-loops; throws std::invalid_argument on a rank outside
// 0..n-1.
Arcs normalized(int n, Arcs arcs);
// Both directions of every pair, normalized.
Arcs undirected(int n, const std::vector<std::pair<int, int>>& pairs);
bool is_symmetric(const Arcs& normalized_arcs);

Graph uniform_weights(int n, const Arcs& arcs);
// Throws std::invalid_argument when the arcs are not symmetric.
Graph metropolis_hastings_weights(int n, const Arcs& arcs);
// Default resolves to Metropolis-Hastings when the arcs are symmetric, uniform otherwise.
// Given is not accepted here (there are no weights to use).
Graph weigh(int n, const Arcs& arcs, Weighting w);
// What Default resolves to for these arcs.
Weighting resolve(Weighting w, const Arcs& arcs);

}  // namespace dtsim::logical
