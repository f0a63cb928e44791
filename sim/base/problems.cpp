#include "sim/base/problems.h"

namespace dtsim {

int report_problems(const std::vector<std::string>& problems, std::ostream& err, const std::string& consequence) {
  for (const std::string& line : problems) err << "error: " << line << "\n";
  err << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << " found; " << consequence << "\n";
  return kBadInput;
}

}  // namespace dtsim
