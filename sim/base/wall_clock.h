#pragma once
// Wall-clock seconds for progress lines and time limits (sweeps, the process pool); simulated time
// never comes from here.
#include <chrono>

namespace dtsim {

using WallClock = std::chrono::steady_clock;  // monotonic: a time limit survives clock adjustments

inline double seconds_since(WallClock::time_point start) {
  return std::chrono::duration<double>(WallClock::now() - start).count();
}

}  // namespace dtsim
