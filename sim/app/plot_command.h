// `dtsim plot`: its options declared here (CLI11, mirroring analysis/plot.py's), then plot.py runs with
// the parsed arguments.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace dtsim {

// args are the words after "plot".
int plot_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dtsim
