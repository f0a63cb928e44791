// Lognormal compute noise: its closed-form moments, the draws of the formula it replaced (the engine's
// inline exp(sigma z - sigma^2/2) on the same keyed numbers, bit for bit), and its options.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/algorithms/stragglers/noise_test_support.h"

using nlohmann::json;

TEST_CASE("noise lognormal: mean 1 and variance exp(sigma^2) - 1") {
  dtsim::StragglerModel m = dtsim::test::noise_model("lognormal", {{"sigma", 0.5}}, 7);
  auto [mean, var] = dtsim::test::noise_moments(m, dtsim::test::kNoiseDraws);
  // 5 standard errors of the mean of 200000 draws; variance exp(0.25) - 1 = 0.2840 within 3 %.
  CHECK(std::abs(mean - 1) <= 5 * std::sqrt(0.284 / dtsim::test::kNoiseDraws));
  CHECK(var == doctest::Approx(std::exp(0.25) - 1).epsilon(0.03));
}

TEST_CASE("noise lognormal: draws are exp(sigma z - sigma^2/2) of the Box-Muller normal, bit for bit") {
  const double sigma = 0.3;
  dtsim::StragglerModel m = dtsim::test::noise_model("lognormal", {{"sigma", sigma}}, 11, 4);
  for (int rank = 0; rank < 4; ++rank)
    for (int step = 0; step < 200; ++step) {
      const double u1 = 1.0 - dtsim::test::noise_uniform(11, rank, step);
      const double u2 = dtsim::test::noise_uniform2(11, rank, step);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      REQUIRE(m.compute_factor(rank, step, 0) == std::exp(sigma * z - 0.5 * sigma * sigma));
    }
}

TEST_CASE("noise lognormal: sigma is required, 0 < sigma <= 10, and the only key it owns") {
  CHECK(dtsim::test::noise_errors({{"distribution", "lognormal"}, {"sigma", 0.2}}).empty());
  const auto missing = dtsim::test::noise_errors({{"distribution", "lognormal"}});
  REQUIRE(missing.size() == 1);
  CHECK(missing[0] == "/stragglers/noise/sigma: is required");
  const auto zero = dtsim::test::noise_errors({{"distribution", "lognormal"}, {"sigma", 0}});
  REQUIRE(zero.size() == 1);
  CHECK(zero[0].rfind("/stragglers/noise/sigma: 0 ", 0) == 0);
  const auto other = dtsim::test::noise_errors({{"distribution", "lognormal"}, {"sigma", 0.2}, {"shape", 3}});
  REQUIRE(other.size() == 1);
  CHECK(other[0] == "/stragglers/noise/shape: is only meaningful for \"pareto\"; remove it for \"lognormal\"");
}
