// The dtsim command line: run, validate, --help, --version. Exit codes: 0 success, 1 failure
// during a run, 2 bad input (nothing written).
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace dtsim {
int cli_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}
