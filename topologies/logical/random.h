#pragma once
// Seeded, platform-independent uniform draws. std::uniform_real_distribution is
// implementation-defined, so the same seed could give different graphs on other standard
// libraries; mt19937_64's output sequence is fixed by the standard and so is this mapping.
#include <random>

namespace dtsim::logical {

// Uniform on [0, 1) with 53 random bits.
inline double uniform01(std::mt19937_64& gen) {
  return static_cast<double>(gen() >> 11) * 0x1.0p-53;
}

}  // namespace dtsim::logical
