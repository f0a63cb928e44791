// Pareto compute noise: minimum 1 and its closed-form moments, the draws of the formula it replaced
// ((1 - u)^(-1/shape) on the same keyed uniform, bit for bit), and its options.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "tests/algorithms/stragglers/noise_test_support.h"

using nlohmann::json;

TEST_CASE("noise pareto: Pareto(1, 3) has minimum 1, mean 3/2, variance 3/4") {
  dtsim::StragglerModel m = dtsim::test::noise_model("pareto", {{"shape", 3}}, 7);
  double lowest = 1e9;
  for (int k = 0; k < 1000; ++k) lowest = std::min(lowest, m.compute_factor(0, k, 0));
  CHECK(lowest >= 1.0);
  auto [mean, var] = dtsim::test::noise_moments(m, dtsim::test::kNoiseDraws);
  CHECK(std::abs(mean - 1.5) <= 5 * std::sqrt(0.75 / dtsim::test::kNoiseDraws));
  CHECK(var == doctest::Approx(0.75).epsilon(0.25));  // heavy tail: a looser variance check
}

TEST_CASE("noise pareto: draws are (1 - u)^(-1/shape), bit for bit") {
  dtsim::StragglerModel m = dtsim::test::noise_model("pareto", {{"shape", 2.5}}, 9, 3);
  for (int rank = 0; rank < 3; ++rank)
    for (int step = 0; step < 200; ++step)
      REQUIRE(m.compute_factor(rank, step, 0) == std::pow(1.0 - dtsim::test::noise_uniform(9, rank, step), -1.0 / 2.5));
}

TEST_CASE("noise pareto: shape must exceed 1 (finite mean) and is the only key it owns") {
  CHECK(dtsim::test::noise_errors({{"distribution", "pareto"}, {"shape", 3}}).empty());
  const auto one = dtsim::test::noise_errors({{"distribution", "pareto"}, {"shape", 1}});
  REQUIRE(one.size() == 1);
  CHECK(one[0].rfind("/stragglers/noise/shape: 1 ", 0) == 0);
  const auto other = dtsim::test::noise_errors({{"distribution", "pareto"}, {"shape", 3}, {"mean", 0.5}});
  REQUIRE(other.size() == 1);
  CHECK(other[0] == "/stragglers/noise/mean: is only meaningful for \"exponential\"; remove it for \"pareto\"");
}
