// `dtsim collective`: a message-size sweep of collective algorithms on a platform, printing time,
// algbw and busbw (nccl-tests conventions), the closed form, and #wrong from checking real reduced
// values on small sizes.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace dtsim {

// args excludes the word "collective". Returns the exit code (0, 1 run failure, 2 bad input).
int collective_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dtsim
