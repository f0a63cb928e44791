// Draws the stragglers of a scenario (StragglerSpec): the factor by which a rank's compute time is
// multiplied for one gradient step, and the bandwidth factor of a link during one jitter period.
// Every draw is a pure function of (scenario seed, rank or link, step or period), so the same
// scenario and seed give the same run bit for bit, whatever order the actors ask in.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/plugin/straggler_noise.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

class StragglerModel {
 public:
  StragglerModel(const StragglerSpec& spec, std::uint64_t seed, int ranks);
  // Compute-time multiplier of `rank`'s gradient number `step`, which starts at simulated time `now`.
  double compute_factor(int rank, std::int64_t step, double now);
  // The heterogeneity part alone (rank_factors): how much slower `rank` is by design.
  double static_factor(int rank) const { return static_factor_[static_cast<std::size_t>(rank)]; }
  // Bandwidth multiplier (mean 1) of link number `link` during jitter period `period`.
  double link_factor(std::size_t link, std::int64_t period) const;
  bool has_jitter() const { return spec_.jitter_sigma > 0; }
  double jitter_period() const { return spec_.jitter_period; }

 private:
  bool markov_slow(int rank, std::int64_t step);

  StragglerSpec spec_;
  std::uint64_t seed_;
  std::unique_ptr<StragglerNoise> noise_;  // null: no compute noise
  std::vector<double> static_factor_;
  std::vector<std::vector<char>> markov_states_;  // per rank, memoized chain: states[step]
};

// A uniform number in [0, 1) from a counter-based generator (splitmix64 of the four keys).
double keyed_uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t a, std::uint64_t b);

}  // namespace dtsim
