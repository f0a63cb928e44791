// stragglers.jitter: per-iteration compute noise from a coefficient of variation (or the catalog's
// measured one). The synchronization cost it adds to a synchronous allreduce run is the expected
// maximum of N lognormal draws, computed here by integrating 1 - F(x)^N, within four standard errors
// of the simulated mean.
#include <doctest/doctest.h>

#include <cmath>

#include "sim/engine/load_scenario.h"
#include "sim/scenario/catalog.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

constexpr int kRanks = 16, kIterations = 400;
constexpr double kCompute = 0.1;

// Tiny messages on a fast switch: the allreduce costs ~1e-7 of the compute, so an iteration lasts the
// slowest rank's compute.
json jitter_scenario() {
  json s = dtsim::test::base_scenario(kRanks);
  s["network"]["latency"] = "1ns";
  s["network"]["bandwidth"] = "1000Gbps";
  s["workload"] = {{"params", 16}, {"bytes_per_param", 4}, {"compute_time", kCompute}};
  s["run"] = {{"iterations", kIterations}, {"warmup_iterations", 0}};
  return s;
}

// E[max of n lognormal draws of mean 1 and coefficient of variation cv] = integral of 1 - F(x)^n.
double expected_max(int n, double cv) {
  const double sigma = std::sqrt(std::log1p(cv * cv));
  auto cdf = [&](double x) { return x <= 0 ? 0.0 : 0.5 * std::erfc(-(std::log(x) + sigma * sigma / 2) / (sigma * std::sqrt(2.0))); };
  const double step = 1e-5, end = 1 + 40 * cv;
  double sum = 0;
  for (double x = 0; x < end; x += step) sum += step * (2 - std::pow(cdf(x), n) - std::pow(cdf(x + step), n)) / 2;
  return sum;
}

void check_sync_cost(const json& jitter, double cv) {
  json plain = dtsim::test::simulate(jitter_scenario());
  json s = jitter_scenario();
  s["stragglers"] = {{"jitter", jitter}};
  json r = dtsim::test::simulate(s);
  double mean = 0, square = 0;
  for (const json& row : r["rows"]) {
    const double t = row["iteration_time"].get<double>();
    mean += t / kIterations;
    square += t * t / kIterations;
  }
  const double standard_error = std::sqrt((square - mean * mean) / (kIterations - 1));
  const double cost = mean - plain["iteration_time_s"].get<double>();
  const double expected = kCompute * (expected_max(kRanks, cv) - 1);
  INFO("cv " << cv << ": synchronization cost " << cost << " s, expected " << expected << " s, standard error "
             << standard_error << " s");
  CHECK(std::abs(cost - expected) <= 4 * standard_error);
  CHECK(expected > 0.1 * kCompute * cv);  // the test has something to detect: E[max] - 1 ~ 1.7 cv at 16 ranks
}

}  // namespace

TEST_CASE("jitter: the synchronization cost of a synchronous run is the expected max of N draws") {
  check_sync_cost(0.05, 0.05);
  check_sync_cost("measured", dtsim::catalog()["compute_jitter"]["measured"]["cv"].get<double>());
}

TEST_CASE("jitter: bad values and a second noise are rejected with the path") {
  json s = jitter_scenario();
  s["stragglers"] = {{"jitter", "typical"}};
  dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "/stragglers/jitter: \"typical\" is not allowed; give \"measured\" or a coefficient of variation in (0, 1]");
  s["stragglers"] = {{"jitter", 0}};
  REQUIRE_FALSE(dtsim::parse_scenario(s).ok());
  s["stragglers"] = {{"jitter", 0.05}, {"noise", {{"distribution", "lognormal"}, {"sigma", 0.1}}}};
  r = dtsim::parse_scenario(s);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "/stragglers/jitter: and noise both set the compute noise; remove one of them");
}
