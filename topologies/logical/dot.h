#pragma once
// Graphviz DOT output of a topology.
#include "topologies/logical/topology.h"

#include <ostream>
#include <string>

namespace dtsim::logical {

// `digraph` with one node per rank (label: rank and self weight) and one line
//   u -> v [label="w"];
// per link (weight = what v applies to u's value). A time-varying topology lists the links of
// every round of its period, each labelled "r<k>: w" and styled per round.
void write_dot(std::ostream& out, const Topology& t);

// Writes the DOT file atomically: into a temporary file beside `path`, then renamed over it, so
// readers never see half a file. Throws std::runtime_error naming the path on failure.
void write_dot_file(const std::string& path, const Topology& t);

}  // namespace dtsim::logical
