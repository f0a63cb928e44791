#pragma once
// `dtsim topo GRAPH --nodes N [options]`: prints a topology's properties and can write DOT.
#include <ostream>
#include <string>
#include <vector>

namespace dtsim::logical {

// args: everything after "topo", e.g. {"exponential", "--nodes", "16", "--dot", "g.dot"}.
// Returns 0 on success, 2 on bad arguments (message on err), 1 when the DOT file cannot be
// written.
int topo_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dtsim::logical
