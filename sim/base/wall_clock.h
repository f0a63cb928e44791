#pragma once
// Wall-clock seconds for progress lines and time limits (sweeps, the process pool); simulated time
// never comes from here.
#include <chrono>

namespace dtsim {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace dtsim
