// The straggler draws themselves: each distribution's moments, the Markov chain's stationary
// slow fraction, rank factors, and that a draw depends only on (seed, rank, step).
#include <doctest/doctest.h>

#include <cmath>

#include "sim/engine/straggler_model.h"

namespace {

dtsim::StragglerSpec spec_with_noise(const std::string& noise) {
  dtsim::StragglerSpec s;
  s.noise = noise;
  s.sigma = 0.5;
  s.mean = 0.25;
  s.shape = 3;
  return s;
}

// Mean and variance of `steps` draws of rank 0.
std::pair<double, double> moments(dtsim::StragglerModel& m, int steps) {
  double sum = 0, sq = 0;
  for (int k = 0; k < steps; ++k) {
    const double f = m.compute_factor(0, k, 0);
    sum += f;
    sq += f * f;
  }
  const double mean = sum / steps;
  return {mean, sq / steps - mean * mean};
}

constexpr int kDraws = 200000;

}  // namespace

TEST_CASE("stragglers: noise distributions have their closed-form moments") {
  // Tolerances: 5 standard errors of the mean of 200000 draws.
  {  // lognormal exp(sigma z - sigma^2/2): mean 1, variance exp(sigma^2) - 1 = 0.2840
    dtsim::StragglerModel m(spec_with_noise("lognormal"), 7, 1);
    auto [mean, var] = moments(m, kDraws);
    CHECK(std::abs(mean - 1) <= 5 * std::sqrt(0.284 / kDraws));
    CHECK(var == doctest::Approx(std::exp(0.25) - 1).epsilon(0.03));
  }
  {  // 1 + Exp(0.25): mean 1.25, variance 0.0625
    dtsim::StragglerModel m(spec_with_noise("exponential"), 7, 1);
    auto [mean, var] = moments(m, kDraws);
    CHECK(std::abs(mean - 1.25) <= 5 * std::sqrt(0.0625 / kDraws));
    CHECK(var == doctest::Approx(0.0625).epsilon(0.03));
  }
  {  // Pareto(1, 3): minimum 1, mean 3/2, variance 3/4 (heavy tail: a looser variance check)
    dtsim::StragglerModel m(spec_with_noise("pareto"), 7, 1);
    double lowest = 1e9;
    for (int k = 0; k < 1000; ++k) lowest = std::min(lowest, m.compute_factor(0, k, 0));
    CHECK(lowest >= 1.0);
    auto [mean, var] = moments(m, kDraws);
    CHECK(std::abs(mean - 1.5) <= 5 * std::sqrt(0.75 / kDraws));
    CHECK(var == doctest::Approx(0.75).epsilon(0.25));
  }
}

TEST_CASE("stragglers: the Markov slow state holds p_slow / (p_slow + p_recover) of the steps") {
  dtsim::StragglerSpec s;
  s.p_slow = 0.05;
  s.p_recover = 0.2;
  s.markov_factor = 4;
  dtsim::StragglerModel m(s, 3, 2);
  int slow = 0, runs = 0;
  bool previous = false;
  for (int k = 0; k < kDraws; ++k) {
    const double f = m.compute_factor(1, k, 0);
    CHECK((f == 1.0 || f == 4.0));
    const bool is_slow = f == 4.0;
    slow += is_slow;
    runs += is_slow && !previous;
    previous = is_slow;
  }
  // Stationary fraction 0.2; mean slow spell 1 / p_recover = 5 steps.
  CHECK(static_cast<double>(slow) / kDraws == doctest::Approx(0.2).epsilon(0.05));
  CHECK(static_cast<double>(slow) / runs == doctest::Approx(5.0).epsilon(0.05));
}

TEST_CASE("stragglers: a draw depends only on seed rank and step") {
  dtsim::StragglerSpec s = spec_with_noise("lognormal");
  s.p_slow = 0.1;
  s.p_recover = 0.5;
  s.markov_factor = 2;
  s.rank_factors = {{2, 3, 1.5}};
  dtsim::StragglerModel forward(s, 9, 4), backward(s, 9, 4), other_seed(s, 10, 4);
  std::vector<double> f(50), b(50);
  for (int k = 0; k < 50; ++k) f[k] = forward.compute_factor(2, k, 0);
  for (int k = 49; k >= 0; --k) b[k] = backward.compute_factor(2, k, 0);  // asked in another order
  CHECK(f == b);
  int same = 0;
  for (int k = 0; k < 50; ++k) same += other_seed.compute_factor(2, k, 0) == f[k];
  CHECK(same < 5);
  CHECK(forward.static_factor(1) == 1.0);
  CHECK(forward.static_factor(3) == 1.5);
}
