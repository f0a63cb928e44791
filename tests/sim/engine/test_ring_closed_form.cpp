// Ring allreduce on one switch under the exact alpha-beta model must equal
// 2(p-1)(alpha + S/(p B)), alpha = 2 x link latency (two links per route), to 1e-6 relative.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/support/test_support.h"

namespace {

void check_ring(int p, double bytes, double bandwidth, double latency) {
  nlohmann::json s = dtsim::test::base_scenario(p);
  s["network"]["bandwidth"] = bandwidth;  // bytes/s
  s["network"]["latency"] = latency;      // s
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", 0}};
  nlohmann::json r = dtsim::test::simulate(s);
  const double alpha = 2 * latency;
  const double expected = 2.0 * (p - 1) * (alpha + bytes / (p * bandwidth));
  const double got = r["iteration_time_s"].get<double>();
  INFO("p=" << p << " S=" << bytes << " expected=" << expected << " got=" << got);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
  CHECK(std::abs(r["comm_time_s"].get<double>() - expected) / expected <= 1e-6);
  CHECK(r["wait_time_s"]["max"].get<double>() == doctest::Approx(0).epsilon(1e-12));
  // Each rank sends 2(p-1) chunks of S/p bytes.
  CHECK(r["bytes_sent_per_rank_per_iteration"].get<double>() == doctest::Approx(2.0 * (p - 1) * bytes / p));
}

// S divisible by every p below (lcm 192), so chunks are equal and no rounding enters.
constexpr double kBytes = 192.0 * 52083;  // ~10 MB: bandwidth-dominated
constexpr double kSmall = 192.0 * 4;      // 768 B: latency-dominated

}  // namespace

TEST_CASE("core: ring allreduce closed form p=2") { check_ring(2, kBytes, 3.125e9, 5e-6); }
TEST_CASE("core: ring allreduce closed form p=3") { check_ring(3, kBytes, 3.125e9, 5e-6); }
TEST_CASE("core: ring allreduce closed form p=4") { check_ring(4, kBytes, 3.125e9, 5e-6); }
TEST_CASE("core: ring allreduce closed form p=8") { check_ring(8, kBytes, 1.25e9, 1e-6); }
TEST_CASE("core: ring allreduce closed form p=16") { check_ring(16, kBytes, 12.5e9, 2e-6); }
TEST_CASE("core: ring allreduce closed form p=64") { check_ring(64, kBytes, 3.125e9, 5e-6); }
TEST_CASE("core: ring allreduce closed form p=64 latency-bound") { check_ring(64, kSmall, 3.125e9, 5e-6); }

// Machines with several GPUs: ranks are machine-major, so the ring crosses the fabric once per
// machine. Every step waits for the slowest hop (GPU -> NIC -> switch -> NIC -> GPU), whose alpha is
// 2 x intra-node latency + 2 x NIC latency and whose rate is the slower of the two links:
// time = 2(p-1)(alpha_slow + (S/p)/min(B_nic, B_intra)).
TEST_CASE("core: ring allreduce over multi-GPU machines follows the slowest hop") {
  nlohmann::json s = dtsim::test::base_scenario(2);
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["bandwidth"] = 1.25e9;
  s["network"]["latency"] = 5e-6;
  s["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}};
  const double bytes = 192.0 * 52083;
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", 0}};
  nlohmann::json r = dtsim::test::simulate(s);
  const int p = 8;
  const double expected = 2.0 * (p - 1) * (2 * 1e-6 + 2 * 5e-6 + bytes / p / 1.25e9);
  const double got = r["iteration_time_s"].get<double>();
  INFO("expected=" << expected << " got=" << got);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
  CHECK(r["ranks"].get<int>() == 8);
}
