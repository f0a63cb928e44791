// libFuzzer's entry point for one target, chosen at compile time (-DDTSIM_FUZZ_TARGET="scenario" etc.;
// see tests/fuzz/CMakeLists.txt). The .cc suffix keeps it out of dtsim_tests, which globs tests/*.cpp.
#include <cstdlib>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dtsim::fuzz::Target target = dtsim::fuzz::target_named(DTSIM_FUZZ_TARGET);
  if (!target) std::abort();
  target(data, size);
  return 0;
}
