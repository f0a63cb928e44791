// A compute-noise distribution (/stragglers/noise): the factor by which one rank's compute time is
// multiplied for one gradient step. Implementations live one per file (algorithms/stragglers/) and
// register by name with the /stragglers/noise keys they own; the engine (sim/engine/straggler_model.h)
// creates the one a scenario names and asks it for a factor per (rank, step).
#pragma once
#include <cstdint>

#include "sim/base/registry.h"

namespace dtsim {

// The random numbers of one (rank, step): keyed by (scenario seed, rank, step) only, on streams no
// other straggler effect uses, so a draw never depends on the order actors ask in.
class NoiseDraw {
 public:
  NoiseDraw(std::uint64_t seed, std::uint64_t rank, std::uint64_t step) : seed_(seed), rank_(rank), step_(step) {}
  double uniform() const;  // in [0, 1)
  double normal() const;   // standard normal (Box-Muller of uniform() and a second keyed uniform)

 private:
  std::uint64_t seed_, rank_, step_;
};

class StragglerNoise {
 public:
  static constexpr const char* family = "noise";  // /stragglers/noise/distribution
  virtual ~StragglerNoise() = default;
  // Compute-time multiplier of the (rank, step) whose random numbers `draw` gives.
  virtual double factor(const NoiseDraw& draw) const = 0;
};

using StragglerNoiseRegistry = Registry<StragglerNoise>;

}  // namespace dtsim
