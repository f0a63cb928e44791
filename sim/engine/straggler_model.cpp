#include "sim/engine/straggler_model.h"

#include <cmath>

namespace dtsim {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Streams keep the draws of different effects independent.
enum Stream : std::uint64_t { kNoise = 1, kNoise2 = 2, kMarkov = 3, kJitter = 4, kJitter2 = 5 };

// A standard normal from two keyed uniforms (Box-Muller).
double keyed_normal(std::uint64_t seed, std::uint64_t stream1, std::uint64_t stream2, std::uint64_t a, std::uint64_t b) {
  const double u1 = 1.0 - keyed_uniform(seed, stream1, a, b);  // (0, 1]
  const double u2 = keyed_uniform(seed, stream2, a, b);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace

double keyed_uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t a, std::uint64_t b) {
  const std::uint64_t h = splitmix64(splitmix64(splitmix64(splitmix64(seed) ^ stream) ^ a) ^ b);
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

double NoiseDraw::uniform() const { return keyed_uniform(seed_, kNoise, rank_, step_); }
double NoiseDraw::normal() const { return keyed_normal(seed_, kNoise, kNoise2, rank_, step_); }

StragglerModel::StragglerModel(const StragglerSpec& spec, std::uint64_t seed, int ranks)
    : spec_(spec), seed_(seed), static_factor_(static_cast<std::size_t>(ranks), 1.0),
      markov_states_(static_cast<std::size_t>(ranks)) {
  if (spec.noise != "none") noise_ = StragglerNoiseRegistry::create(spec.noise, spec.noise_options);
  for (const RankFactor& f : spec.rank_factors)  // later entries win where ranges overlap
    for (int r = f.first_rank; r <= f.last_rank && r < ranks; ++r) static_factor_[static_cast<std::size_t>(r)] = f.factor;
}

bool StragglerModel::markov_slow(int rank, std::int64_t step) {
  // The chain starts in the normal state at step 0 and moves once per gradient step; states are
  // memoized so asking for step k costs O(1) amortized however the steps are visited.
  std::vector<char>& states = markov_states_[static_cast<std::size_t>(rank)];
  if (states.empty()) states.push_back(0);
  while (static_cast<std::int64_t>(states.size()) <= step) {
    const std::int64_t k = static_cast<std::int64_t>(states.size());
    const double u = keyed_uniform(seed_, kMarkov, static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(k));
    const bool was_slow = states.back();
    states.push_back(was_slow ? (u >= spec_.p_recover) : (u < spec_.p_slow));
  }
  return states[static_cast<std::size_t>(step)];
}

double StragglerModel::compute_factor(int rank, std::int64_t step, double now) {
  double factor = static_factor(rank);
  if (noise_) factor *= noise_->factor(NoiseDraw(seed_, static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(step)));
  for (const SlowdownWindow& w : spec_.slowdowns)
    if (rank >= w.first_rank && rank <= w.last_rank && now >= w.from && now < w.to) factor *= w.factor;
  if (spec_.p_slow > 0 && markov_slow(rank, step)) factor *= spec_.markov_factor;
  return factor;
}

double StragglerModel::link_factor(std::size_t link, std::int64_t period) const {
  const double s = spec_.jitter_sigma;
  return std::exp(s * keyed_normal(seed_, kJitter, kJitter2, link, static_cast<std::uint64_t>(period)) - 0.5 * s * s);
}

}  // namespace dtsim
