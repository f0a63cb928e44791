// Widening a dedicated server's own links: a parameter server that stands for k symmetric shards
// (algorithms/training/ps_shard_merge.h) is simulated with k times the bandwidth of one shard's link.
#pragma once
#include <simgrid/s4u.hpp>

namespace dtsim {

// Multiplies by `factor` the bandwidth of the links only `server` uses to reach the workers and be
// reached by them: those its routes to and from two workers on different machines, `a` and `b`,
// share (its NIC link in both directions and, inside a server zone, its host's own link).
void widen_server_links(simgrid::s4u::Host* server, simgrid::s4u::Host* a, simgrid::s4u::Host* b, double factor);

}  // namespace dtsim
