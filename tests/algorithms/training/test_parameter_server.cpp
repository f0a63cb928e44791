// Synchronous PS with k shards on their own hosts: iteration = compute + 2(alpha + p n beta / k)
// (push then pull; each server link carries p shards of n/k bytes), to 1e-6 relative; with many
// workers too, where a server spreads the pushes over several inboxes and replies through couriers
// (algorithms/training/ps_exchange.h, sim/engine/reply_couriers.h).
#include <doctest/doctest.h>

#include <cmath>

#include "algorithms/training/ps_exchange.h"
#include "sim/engine/reply_couriers.h"
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

TEST_CASE("core: parameter server closed form with 300 workers (several inboxes, reply couriers)") {
  REQUIRE(dtsim::push_lanes(300, 3) == 300);
  REQUIRE(dtsim::ReplyCouriers::couriers_for(300, 3) == 5);
  check_ps(300, 3);
}

TEST_CASE("core: inboxes and reply couriers grow with the workers within their bounds") {
  // One inbox for a few workers (the order a server takes pushes in is then the order they were sent),
  // one per worker from 36 on (no inbox queue grows with the workers), shared by servers / 4 workers
  // beyond 4 servers (all servers' inboxes together stay about 4 x the workers).
  CHECK(dtsim::push_lanes(1, 1) == 1);
  CHECK(dtsim::push_lanes(35, 1) == 1);
  CHECK(dtsim::push_lanes(36, 1) == 36);
  CHECK(dtsim::push_lanes(4096, 4) == 4096);
  CHECK(dtsim::push_lanes(4096, 8) == 2048);
  CHECK(dtsim::push_lanes(65536, 1) == 65536);
  CHECK(dtsim::push_lanes(65536, 1024) == 256);
  for (int workers : {36, 100, 4096, 65536})
    for (int servers : {1, 3, 8, 64, 1024, 8192}) {
      const long total = static_cast<long>(servers) * dtsim::push_lanes(workers, servers);
      INFO("workers " << workers << " servers " << servers << ": " << total << " inboxes");
      CHECK(total <= 4L * workers + servers);
      CHECK(dtsim::push_lanes(workers, servers) >= 1);
    }
  // Batches of 64 replies, but at most a quarter of the workers (+ 64) in couriers over all servers.
  CHECK(dtsim::ReplyCouriers::couriers_for(16, 1) == 1);
  CHECK(dtsim::ReplyCouriers::couriers_for(4096, 8) == 64);
  CHECK(dtsim::ReplyCouriers::couriers_for(65536, 1024) == 16);
  CHECK(dtsim::ReplyCouriers::couriers_for(8, 65536) == 1);
  for (long workers : {1L, 100L, 4096L, 65536L})
    for (long servers : {1L, 8L, 512L}) {
      const long total = servers * dtsim::ReplyCouriers::couriers_for(workers, servers);
      INFO("workers " << workers << " servers " << servers << ": " << total << " couriers");
      CHECK((total <= workers / 4 + 64 || total == servers));
    }
}
