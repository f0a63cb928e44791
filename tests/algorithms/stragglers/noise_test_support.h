// What every compute-noise distribution's test uses: a model drawing only that noise, the sample
// moments of its draws, and the reading of /stragglers/noise through a scenario.
#pragma once
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "sim/engine/load_scenario.h"
#include "sim/engine/straggler_model.h"
#include "tests/support/test_support.h"

namespace dtsim::test {

// A model with noise `distribution` configured by `options` (as read_options would resolve them).
inline StragglerModel noise_model(const std::string& distribution, const nlohmann::json& options, std::uint64_t seed,
                                  int ranks = 1) {
  StragglerSpec spec;
  spec.noise = distribution;
  spec.noise_options = OptionValues(options);
  return StragglerModel(spec, seed, ranks);
}

// Sample mean and variance of `steps` draws of rank 0.
inline std::pair<double, double> noise_moments(StragglerModel& m, int steps) {
  double sum = 0, square = 0;
  for (int k = 0; k < steps; ++k) {
    const double f = m.compute_factor(0, k, 0);
    sum += f;
    square += f * f;
  }
  const double mean = sum / steps;
  return {mean, square / steps - mean * mean};
}

// The problems of a 4-rank scenario whose /stragglers/noise is `noise`.
inline std::vector<std::string> noise_errors(const nlohmann::json& noise) {
  nlohmann::json s = base_scenario(4);
  s["stragglers"] = {{"noise", noise}};
  return parse_scenario(s).errors;
}

// The keyed uniforms the noise streams draw from (sim/engine/straggler_model.cpp: streams 1 and 2), so
// that a test can state each distribution's formula on the very numbers the engine uses.
inline double noise_uniform(std::uint64_t seed, int rank, int step) {
  return keyed_uniform(seed, 1, static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(step));
}
inline double noise_uniform2(std::uint64_t seed, int rank, int step) {
  return keyed_uniform(seed, 2, static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(step));
}

constexpr int kNoiseDraws = 200000;

}  // namespace dtsim::test
