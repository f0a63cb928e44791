// The straggler draws themselves: the Markov chain's stationary slow fraction, rank factors, and that
// a draw depends only on (seed, rank, step). Each noise distribution has its own test
// (tests/algorithms/stragglers/).
#include <doctest/doctest.h>

#include <cmath>

#include "sim/engine/straggler_model.h"

namespace {

constexpr int kDraws = 200000;

}  // namespace

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
  dtsim::StragglerSpec s;
  s.noise = "lognormal";
  s.noise_options = dtsim::OptionValues(nlohmann::json{{"sigma", 0.5}});
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
