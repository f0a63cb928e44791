#pragma once
// Portable random numbers. std::*_distribution differ between standard libraries, so every
// draw here is built directly on std::mt19937_64 (whose output the standard fixes). Integer
// draws and shuffles are bit-identical everywhere; real-valued draws depend on libm's log/sqrt.
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace dtsim::kernels {

// Derives a seed for an independent stream (rank, epoch, purpose) from a base seed (SplitMix64).
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform integer in [0, n), unbiased (rejection of the short last interval).
  std::uint64_t uniform_int(std::uint64_t n);
  // Standard normal (Marsaglia polar method; the spare value is kept for the next call).
  double normal();
  // Gamma(shape, 1) (Marsaglia-Tsang; boosted for shape < 1).
  double gamma(double shape);

  // Fisher-Yates, drawing with uniform_int so the order is the same on every platform.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_int(i)]);
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace dtsim::kernels
