// Shifted exponential compute noise: its closed-form moments, the draws of the formula it replaced
// (1 - mean ln(1 - u) on the same keyed uniform, bit for bit), and its options.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/algorithms/stragglers/noise_test_support.h"

using nlohmann::json;

TEST_CASE("noise exponential: 1 + Exp(mean) has mean 1 + mean and variance mean^2") {
  dtsim::StragglerModel m = dtsim::test::noise_model("exponential", {{"mean", 0.25}}, 7);
  auto [mean, var] = dtsim::test::noise_moments(m, dtsim::test::kNoiseDraws);
  CHECK(std::abs(mean - 1.25) <= 5 * std::sqrt(0.0625 / dtsim::test::kNoiseDraws));
  CHECK(var == doctest::Approx(0.0625).epsilon(0.03));
}

TEST_CASE("noise exponential: draws are 1 - mean ln(1 - u), bit for bit") {
  dtsim::StragglerModel m = dtsim::test::noise_model("exponential", {{"mean", 0.4}}, 5, 3);
  for (int rank = 0; rank < 3; ++rank)
    for (int step = 0; step < 200; ++step)
      REQUIRE(m.compute_factor(rank, step, 0) == 1.0 - 0.4 * std::log(1.0 - dtsim::test::noise_uniform(5, rank, step)));
}

TEST_CASE("noise exponential: mean is required, > 0, and the only key it owns") {
  CHECK(dtsim::test::noise_errors({{"distribution", "exponential"}, {"mean", 0.2}}).empty());
  const auto negative = dtsim::test::noise_errors({{"distribution", "exponential"}, {"mean", -1}});
  REQUIRE(negative.size() == 1);
  CHECK(negative[0].rfind("/stragglers/noise/mean: -1 ", 0) == 0);
  const auto other = dtsim::test::noise_errors({{"distribution", "exponential"}, {"mean", 0.2}, {"sigma", 0.1}});
  REQUIRE(other.size() == 1);
  CHECK(other[0] == "/stragglers/noise/sigma: is only meaningful for \"lognormal\"; remove it for \"exponential\"");
}
