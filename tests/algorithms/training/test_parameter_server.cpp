// Synchronous PS with k shards on their own hosts: iteration = compute + 2(alpha + p n beta / k)
// (push then pull; each server link carries p shards of n/k bytes), to 1e-6 relative.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/support/test_support.h"

namespace {

void check_ps(int p, int k) {
  const double bandwidth = 1.25e9, latency = 5e-6, compute = 0.02;
  const double n = 4.0 * 960000;  // bytes; divisible by k
  nlohmann::json s = dtsim::test::base_scenario(p);
  s["network"]["bandwidth"] = bandwidth;
  s["network"]["latency"] = latency;
  s["workload"] = {{"params", 960000}, {"bytes_per_param", 4}, {"compute_time", compute}};
  s["algorithm"] = {{"name", "parameter_server"}, {"servers", k}};
  nlohmann::json r = dtsim::test::simulate(s);
  const double alpha = 2 * latency;
  const double expected = compute + 2 * (alpha + p * n / (bandwidth * k));
  const double got = r["iteration_time_s"].get<double>();
  INFO("p=" << p << " k=" << k << " expected=" << expected << " got=" << got);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
  CHECK(r["compute_time_s"].get<double>() == doctest::Approx(compute).epsilon(1e-12));
  CHECK(r["servers"].get<int>() == k);
  CHECK(r["bytes_sent_per_rank_per_iteration"].get<double>() == doctest::Approx(n));
}

}  // namespace

TEST_CASE("core: parameter server closed form k=1") { check_ps(8, 1); }
TEST_CASE("core: parameter server closed form k=2") { check_ps(8, 2); }
TEST_CASE("core: parameter server closed form k=4") { check_ps(8, 4); }
