// Stragglers against closed forms: a rank k times slower in a synchronous allreduce sets the pace
// (k c + ring time) and every other rank waits for it; transient slowdowns only act inside their
// window; compute noise is seeded (same seed, same run) and has the distribution asked for.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

constexpr double kBandwidth = 1.25e9, kLatency = 5e-6, kCompute = 0.02, kBytes = 3.84e6;
constexpr int kRanks = 8;

json ring_scenario() {
  json s = dtsim::test::base_scenario(kRanks);
  s["network"]["bandwidth"] = kBandwidth;
  s["network"]["latency"] = kLatency;
  s["workload"] = {{"params", 960000}, {"bytes_per_param", 4}, {"compute_time", kCompute}};
  return s;
}

// Ring allreduce on the switch: 2(p-1)(alpha + n beta / p) with alpha = two link latencies.
double ring_time() { return 2 * (kRanks - 1) * (2 * kLatency + kBytes / kBandwidth / kRanks); }

}  // namespace

TEST_CASE("stragglers: one rank 3x slower sets the allreduce pace and every other rank waits for it") {
  json s = ring_scenario();
  s["stragglers"] = {{"rank_factors", {{{"ranks", {3}}, {"factor", 3}}}}};
  json r = dtsim::test::simulate(s);
  const double expected = 3 * kCompute + ring_time();
  INFO("expected " << expected << " got " << r["iteration_time_s"]);
  CHECK(std::abs(r["iteration_time_s"].get<double>() - expected) / expected <= 1e-6);
  // The slow rank never waits; each other rank waits for the 2c it is ahead, less the ring steps it
  // could do before the slow rank joined (at most the whole ring time).
  const auto waits = r["wait_time_s"]["per_rank"].get<std::vector<double>>();
  REQUIRE(waits.size() == kRanks);
  for (int rank = 0; rank < kRanks; ++rank) {
    INFO("rank " << rank << " waited " << waits[rank]);
    if (rank == 3) {
      CHECK(waits[rank] <= 1e-12);
    } else {
      CHECK(waits[rank] >= 2 * kCompute - ring_time() - 1e-9);
      CHECK(waits[rank] <= 2 * kCompute + 1e-9);
    }
  }
  CHECK(r["stragglers"]["slowest_rank"] == 3);
  CHECK(r["stragglers"]["critical_share"].get<double>() == doctest::Approx(1.0));
  CHECK(r["stragglers"]["slowest_rank_compute_s"].get<double>() == doctest::Approx(3 * kCompute).epsilon(1e-9));
}

TEST_CASE("stragglers: a homogeneous cluster has no critical rank and no waiting") {
  json r = dtsim::test::simulate(ring_scenario());
  CHECK(r["stragglers"]["critical_share"].get<double>() == 0.0);
  CHECK(r["wait_time_s"]["max"].get<double>() <= 1e-12);
  CHECK(r["iteration_time_distribution_s"]["p99"].get<double>() ==
        doctest::Approx(r["iteration_time_distribution_s"]["p50"].get<double>()).epsilon(1e-9));
}

TEST_CASE("stragglers: a transient slowdown acts only on computations starting inside its window") {
  json s = ring_scenario();
  // Iterations 0-1 start at k (c + T), iteration 2 at 2 (c + T), iteration 3 at 2 (c + T) + 4c + T,
  // iteration 4 at 2 (c + T) + 2 (4c + T): the window holds the starts of iterations 2 and 3 only.
  const double period = kCompute + ring_time(), slow_period = 4 * kCompute + ring_time();
  s["stragglers"] = {{"slowdowns", {{{"ranks", {{"first", 1}, {"last", 2}}}, {"factor", 4},
                                     {"from", 1.5 * period}, {"to", 2 * period + 1.5 * slow_period}}}}};
  s["run"] = {{"iterations", 6}, {"warmup_iterations", 1}};
  json r = dtsim::test::simulate(s);
  const auto& rows = r["rows"];
  REQUIRE(rows.size() == 6);
  for (int k = 0; k < 6; ++k) {
    const double t = rows[k]["iteration_time"].get<double>();
    const double expected = (k == 2 || k == 3 ? 4 * kCompute : kCompute) + ring_time();
    INFO("iteration " << k << " expected " << expected << " got " << t);
    CHECK(std::abs(t - expected) / expected <= 1e-6);
  }
}

TEST_CASE("stragglers: lognormal noise is seeded and has mean one") {
  json s = ring_scenario();
  s["network"]["bandwidth"] = 1e12;  // compute dominates
  s["stragglers"] = {{"noise", {{"distribution", "lognormal"}, {"sigma", 0.3}}}};
  s["run"] = {{"iterations", 300}, {"warmup_iterations", 0}};
  s["seed"] = 11;
  json a = dtsim::test::simulate(s);
  json b = dtsim::test::simulate(s);
  CHECK(a["rows"] == b["rows"]);  // bit for bit
  s["seed"] = 12;
  json c = dtsim::test::simulate(s);
  CHECK(a["rows"] != c["rows"]);
  // 2400 draws of a mean-1 lognormal with sigma 0.3 (sd 0.31): the mean compute is within 4 standard
  // errors (4 x 0.31 / sqrt(2400) = 2.5 %) of c.
  CHECK(a["compute_time_s"].get<double>() == doctest::Approx(kCompute).epsilon(0.025));
  // The iteration waits for the slowest of 8 draws: E[max] of 8 such lognormals is about 1.5 c.
  const auto& d = a["iteration_time_distribution_s"];
  CHECK(d["p50"].get<double>() > 1.2 * kCompute);
  CHECK(d["p99"].get<double>() > d["p90"].get<double>());
  CHECK(d["p90"].get<double>() > d["p50"].get<double>());
  CHECK(a["wait_time_s"]["mean"].get<double>() > 0.1 * kCompute);
}

TEST_CASE("stragglers: network jitter changes transfer times but not compute and is reproducible") {
  json s = ring_scenario();
  s["stragglers"] = {{"network_jitter", {{"sigma", 0.5}, {"period", "1ms"}}}};
  s["run"] = {{"iterations", 20}, {"warmup_iterations", 0}};
  json a = dtsim::test::simulate(s);
  json b = dtsim::test::simulate(s);
  CHECK(a["rows"] == b["rows"]);
  double lo = 1e9, hi = 0;
  for (const auto& row : a["rows"]) {
    CHECK(row["compute"].get<double>() == doctest::Approx(kCompute).epsilon(1e-12));
    lo = std::min(lo, row["comm"].get<double>());
    hi = std::max(hi, row["comm"].get<double>());
  }
  INFO("comm per iteration from " << lo << " to " << hi << "; without jitter " << ring_time());
  CHECK(hi > lo * 1.05);
}
