// The parameter-server family beyond lockstep: asynchronous PS (staleness close to n - 1), stale
// synchronous parallel bounds, backup workers (Chen et al. 2016) against stragglers, and their
// numerics on least squares.
#include <doctest/doctest.h>

#include <cmath>

#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"
#include "sim/engine/load_scenario.h"

namespace {

using nlohmann::json;

constexpr double kBandwidth = 1.25e9, kLatency = 5e-6, kCompute = 0.02, kBytes = 4e5;

json ps_scenario(const std::string& algorithm, int ranks, int iterations) {
  json s = dtsim::test::base_scenario(ranks);
  s["network"]["bandwidth"] = kBandwidth;
  s["network"]["latency"] = kLatency;
  s["workload"] = {{"params", 100000}, {"bytes_per_param", 4}, {"compute_time", kCompute}};
  s["algorithm"] = {{"name", algorithm}};
  s["run"] = {{"iterations", iterations}, {"warmup_iterations", 2}};
  return s;
}

json least_squares(const std::string& algorithm, int iterations, double heterogeneity) {
  json s = dtsim::test::base_scenario(8);
  s["seed"] = 5;
  s["workload"] = dtsim::test::least_squares_workload(10, 40, heterogeneity, 0.02);
  s["algorithm"] = {{"name", algorithm}};
  s["run"] = {{"iterations", iterations}, {"warmup_iterations", 1}};
  return s;
}

double staleness_mean(const json& r) { return r["parameter_server"]["staleness"]["mean"].get<double>(); }
int staleness_max(const json& r) { return r["parameter_server"]["staleness"]["max"].get<int>(); }

}  // namespace

TEST_CASE("parameter server: asynchronous PS with n equal workers has mean staleness close to n - 1") {
  for (int n : {4, 8, 16}) {
    json r = dtsim::test::simulate(ps_scenario("async_parameter_server", n, 40));
    INFO("n = " << n << ": mean staleness " << staleness_mean(r));
    // Every other worker's gradient lands between a worker's read and its update; only the first
    // round (staleness 0..n-1) is below n - 1.
    CHECK(std::abs(staleness_mean(r) - (n - 1)) <= 0.1 * (n - 1));
    CHECK(r["parameter_server"]["gradients_applied"].get<int>() == n * 40);
    CHECK(r["parameter_server"]["model_updates"].get<int>() == n * 40);
  }
}

TEST_CASE("parameter server: asynchronous workers share the update budget by speed") {
  // Two of four workers 3x slower, compute-bound: rates 1/c, 1/c, 1/3c, 1/3c sum to 8/(3c), so the
  // 4 T updates take 4 T c 3/8 = 1.5 T c, against 3 T c for the lockstep PS that waits for them.
  const int T = 60;
  json s = ps_scenario("async_parameter_server", 4, T);
  s["network"]["bandwidth"] = 1e12;
  s["stragglers"] = {{"rank_factors", {{{"ranks", {2, 3}}, {"factor", 3}}}}};
  json async = dtsim::test::simulate(s);
  s["algorithm"] = {{"name", "parameter_server"}};
  json sync = dtsim::test::simulate(s);
  CHECK(async["sim_time_s"].get<double>() == doctest::Approx(1.5 * T * kCompute).epsilon(0.03));
  CHECK(sync["sim_time_s"].get<double>() == doctest::Approx(3.0 * T * kCompute).epsilon(0.03));
  const auto per_rank = async["iterations_per_rank"].get<std::vector<int>>();
  REQUIRE(per_rank.size() == 4);
  CHECK(std::abs(per_rank[0] - 1.5 * T) <= 2);
  CHECK(std::abs(per_rank[3] - 0.5 * T) <= 2);
  CHECK(async["parameter_server"]["gradients_applied"].get<int>() == 4 * T);
  // No backup workers: nothing is dropped. Workers still computing when the 4 T-th update is applied
  // push gradients the ended run never applies: at most one per other worker, each a whole iteration's
  // compute (c for a fast worker, 3c for a slow one).
  const json& ps = async["parameter_server"];
  CHECK(ps["gradients_dropped"].get<int>() == 0);
  CHECK(ps["dropped_compute_s"].get<double>() == 0.0);
  const int unapplied = ps["gradients_unapplied_at_end"].get<int>();
  CHECK(unapplied >= 1);
  CHECK(unapplied <= 3);
  CHECK(per_rank[0] + per_rank[1] + per_rank[2] + per_rank[3] == 4 * T + unapplied);
  CHECK(ps["unapplied_compute_s"].get<double>() >= unapplied * kCompute * (1 - 1e-9));
  CHECK(ps["unapplied_compute_s"].get<double>() <= unapplied * 3 * kCompute * (1 + 1e-9));
}

TEST_CASE("parameter server: a staleness bound of 0 is lockstep with staleness 0 to n - 1") {
  json s = ps_scenario("async_parameter_server", 8, 30);
  s["algorithm"]["staleness_bound"] = 0;
  json r = dtsim::test::simulate(s);
  // Each round all 8 replies leave together at version 8c; round c's updates then see 0..7.
  CHECK(staleness_mean(r) == doctest::Approx(3.5).epsilon(1e-12));
  CHECK(staleness_max(r) == 7);
}

TEST_CASE("parameter server: SSP bounds the staleness that a slow worker causes") {
  const int n = 8;
  json s = ps_scenario("async_parameter_server", n, 60);
  s["stragglers"] = {{"rank_factors", {{{"ranks", {3}}, {"factor", 6}}}}};
  json unbounded = dtsim::test::simulate(s);
  // A worker released at c sees at most 2s + 1 pushes of each other worker before its own update.
  CHECK(staleness_max(unbounded) > (n - 1) * 3);
  for (int bound : {0, 1, 3}) {
    s["algorithm"]["staleness_bound"] = bound;
    json r = dtsim::test::simulate(s);
    INFO("bound " << bound << ": max staleness " << staleness_max(r));
    CHECK(staleness_max(r) <= (n - 1) * (2 * bound + 1));
    // Fast workers wait for the slow one: the mean per-worker iteration is longer than unbounded.
    CHECK(r["iteration_time_s"].get<double>() > unbounded["iteration_time_s"].get<double>());
  }
}

TEST_CASE("parameter server: with one backup worker a 3x straggler no longer sets the pace") {
  json s = ps_scenario("parameter_server", 4, 30);
  s["stragglers"] = {{"rank_factors", {{{"ranks", {3}}, {"factor", 3}}}}};
  json lockstep = dtsim::test::simulate(s);
  s["algorithm"]["backup_workers"] = 1;
  json backup = dtsim::test::simulate(s);
  // m = 3 fast workers make each update: c + 2 (alpha + 3 n beta) on the server link.
  const double expected = kCompute + 2 * (2 * kLatency + 3 * kBytes / kBandwidth);
  const double got = backup["parameter_server"]["update_interval_s"].get<double>();
  INFO("expected " << expected << " got " << got);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
  CHECK(lockstep["iteration_time_s"].get<double>() > 3 * kCompute);
  CHECK(backup["parameter_server"]["model_updates"].get<int>() == 30);
  // The slow worker's gradients are all late: each one is dropped, and its compute is wasted.
  CHECK(backup["parameter_server"]["gradients_dropped"].get<int>() >= 9);
  CHECK(backup["parameter_server"]["wasted_compute_fraction"].get<double>() > 0.2);
}

TEST_CASE("parameter server: backup workers shorten the update interval under lognormal stragglers") {
  double previous = 1e9;
  for (int e : {0, 1, 2, 4}) {
    json s = ps_scenario("parameter_server", 8 + e, 120);
    s["network"]["bandwidth"] = 1.25e10;
    s["stragglers"] = {{"noise", {{"distribution", "lognormal"}, {"sigma", 0.5}}}};
    if (e > 0) s["algorithm"]["backup_workers"] = e;
    json r = dtsim::test::simulate(s);
    const double interval = r["parameter_server"]["update_interval_s"].get<double>();
    INFO("e = " << e << ": update interval " << interval);
    CHECK(interval < previous);
    if (e > 0) CHECK(r["parameter_server"]["gradients_dropped"].get<int>() > 0);
    previous = interval;
  }
}

TEST_CASE("parameter server: asynchronous and backup-worker training converge on least squares") {
  // Asynchronous SGD applies one worker's gradient per update with staleness about 7: it ends in a
  // noise ball around x* (measured 0.019 relative); backup workers on iid data converge like sync.
  json async = dtsim::test::simulate(least_squares("async_parameter_server", 3000, 1.0));
  CHECK(async["numerics"]["relative_distance_to_optimum"].get<double>() < 0.05);
  json s = least_squares("parameter_server", 1500, 0.0);
  s["algorithm"]["backup_workers"] = 2;
  s["stragglers"] = {{"noise", {{"distribution", "lognormal"}, {"sigma", 0.5}}}};
  json backup = dtsim::test::simulate(s);
  CHECK(backup["parameter_server"]["gradients_dropped"].get<int>() > 0);
  CHECK(backup["numerics"]["relative_distance_to_optimum"].get<double>() < 0.01);
  // Deterministic: the same scenario twice gives the same model.
  CHECK(dtsim::test::simulate(s)["final_params"] == backup["final_params"]);
}

TEST_CASE("parameter server: options of the wrong algorithm and bad straggler input are rejected") {
  auto errors_of = [](const json& s) {
    dtsim::ScenarioResult r = dtsim::parse_scenario(s);
    std::string all;
    for (const auto& e : r.errors) all += e + "\n";
    return all;
  };
  json s = ps_scenario("allreduce", 4, 5);
  s["algorithm"]["backup_workers"] = 1;
  CHECK(errors_of(s).find("/algorithm/backup_workers: is only meaningful for \"parameter_server\"") != std::string::npos);
  s = ps_scenario("parameter_server", 4, 5);
  s["algorithm"]["backup_workers"] = 4;
  CHECK(errors_of(s).find("/algorithm/backup_workers: 4 is out of range; allowed: 0 to 3") != std::string::npos);
  s["algorithm"] = {{"name", "async_parameter_server"}, {"staleness_bound", -2}};
  CHECK(errors_of(s).find("/algorithm/staleness_bound: -2 is out of range") != std::string::npos);
  s = ps_scenario("allreduce", 4, 5);
  s["stragglers"] = {{"rank_factors", {{{"ranks", {7}}, {"factor", 2}}}}};
  CHECK(errors_of(s).find("/stragglers/rank_factors/0/ranks/0: 7 is not a rank; allowed: integers 0 to 3") !=
        std::string::npos);
  s["stragglers"] = {{"noise", {{"distribution", "gamma"}}}};
  CHECK(errors_of(s).find("/stragglers/noise/distribution: \"gamma\" is not allowed") != std::string::npos);
  s["stragglers"] = {{"slowdowns", {{{"ranks", {1}}, {"factor", 2}, {"from", "2s"}, {"to", "1s"}}}}};
  CHECK(errors_of(s).find("/stragglers/slowdowns/0/to: must be later") != std::string::npos);
}

TEST_CASE("parameter server: one asynchronous worker is sequential SGD whatever the sharding") {
  // With one worker nothing is stale: the server's update x -= lr g is the worker's own SGD step,
  // so 1 or 3 shards end at the parameters of single-rank training, bit for bit.
  auto one_rank = [](const std::string& algorithm, int servers) {
    json s = least_squares(algorithm, 200, 0.0);
    s["cluster"]["nodes"] = 1;
    if (servers > 0) s["algorithm"]["servers"] = servers;
    return dtsim::test::simulate(s)["final_params"][0];
  };
  const json reference = one_rank("allreduce", 0);
  CHECK(one_rank("async_parameter_server", 1) == reference);
  CHECK(one_rank("async_parameter_server", 3) == reference);
}
