#pragma once
// The gossip topology that remains when ranks die (elastic decentralized training): every link of a
// dead rank goes, the dead rank's surviving neighbours are linked to each other in a ring (in rank
// order), so the graph routes around it (a ring of n stays a ring of n-1), and the resulting
// undirected graph gets Metropolis-Hastings weights, W(v,u) = 1/(1 + max(deg u, deg v)) (Xiao & Boyd,
// Fast linear iterations for distributed averaging, 2004): symmetric and doubly stochastic again on
// the live ranks. A dead rank keeps only its self-loop (weight 1): W = live block + identity there.
// Directed rounds (one-peer exponential) are made undirected first (u -> v adds v -> u).
#include <vector>

#include "topologies/logical/topology.h"

namespace dtsim::logical {

// `dead[r]` != 0: rank r is gone. Every round of `t` is transformed the same way.
Topology surviving_topology(const Topology& t, const std::vector<char>& dead);

}  // namespace dtsim::logical
