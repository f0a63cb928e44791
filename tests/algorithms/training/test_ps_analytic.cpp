// network.fidelity "analytic" for the synchronous parameter server: the closed form
// 2 (alpha + p n_0 beta) after the compute (n_0 the largest shard) equals the simulated push and pull
// ("fast"; the PS exchange is message by message at every fidelity) to 1e-6 relative, every iteration,
// with even and uneven shards, one to eight shards, p = k included; the server summary (model updates,
// their pace, staleness) and real-valued parameters are the same; "auto" picks it; and where it does
// not apply, "analytic" is an error naming /network/fidelity and the reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/engine/load_scenario.h"
#include "tests/support/analytic_against_fast.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

using dtsim::test::relative_difference;

json ps(int workers, int servers, double bytes) {
  json s = dtsim::test::base_scenario(workers);
  s["network"]["bandwidth"] = 3.125e9;
  s["network"]["latency"] = 5e-6;
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", "2ms"}};
  s["algorithm"] = {{"name", "parameter_server"}, {"servers", servers}};
  s["run"] = {{"iterations", 4}, {"warmup_iterations", 1}};
  return s;
}

// Runs `s` at fast and at analytic (tests/support/analytic_against_fast.h), and checks the same server
// summary (update times to 1e-6). Returns {fast, analytic}.
std::pair<json, json> check_same_as_fast(const json& s, const std::string& label) {
  const dtsim::test::FastAndAnalytic r = dtsim::test::analytic_against_fast(s, label);
  const json& a = r.analytic["parameter_server"];
  const json& f = r.fast["parameter_server"];
  INFO(label << ": fast " << f.dump() << "; analytic " << a.dump());
  CHECK(a["model_updates"] == f["model_updates"]);
  CHECK(a["staleness"] == f["staleness"]);
  CHECK(relative_difference(a["update_interval_s"].get<double>(), f["update_interval_s"].get<double>()) <= 1e-6);
  return {r.fast, r.analytic};
}

using dtsim::test::contains;
using dtsim::test::scenario_errors;

}  // namespace

TEST_CASE("analytic parameter server: equals the simulated exchange, even and uneven shards") {
  // 960 kB splits evenly in 1, 2, 3 and 8 shards; 1,000,003 B does not (shards differ by a byte).
  // 300 workers: each server spreads the pushes over 4 inboxes and replies through 5 couriers.
  const std::pair<int, int> shapes[] = {{2, 1}, {3, 1}, {5, 2}, {8, 3}, {16, 8}, {4, 4}, {9, 8}, {300, 3}};
  for (const auto& [workers, servers] : shapes)
    for (double bytes : {960.0 * 1000, 1000003.0}) {
      const std::string label = "p=" + std::to_string(workers) + " k=" + std::to_string(servers) +
                                " n=" + std::to_string(bytes);
      check_same_as_fast(ps(workers, servers, bytes), label);
    }
}

TEST_CASE("analytic parameter server: the closed form itself, and real values give the same parameters") {
  // Against the formula, so that a change in both the exchange and analytic cannot pass unseen:
  // 2 ms + 2 (2 x 5 us + 8 x 120 kB / 3.125 GB/s) with 8 workers and 8 even shards.
  json s = ps(8, 8, 960.0 * 1000);
  s["network"]["fidelity"] = "analytic";
  const json r = dtsim::test::simulate(s);
  const double expected = 2e-3 + 2 * (2 * 5e-6 + 8 * 120000.0 / 3.125e9);
  CHECK(relative_difference(r["iteration_time_s"].get<double>(), expected) <= 1e-9);

  json numeric = dtsim::test::base_scenario(4);
  numeric["workload"] = dtsim::test::least_squares_workload(8, 16, 1.0, 0.05);
  numeric["algorithm"] = {{"name", "parameter_server"}, {"servers", 2}};
  numeric["run"] = {{"iterations", 10}, {"warmup_iterations", 1}};
  const auto [fast, analytic] = check_same_as_fast(numeric, "numerics");
  CHECK(analytic["final_params"] == fast["final_params"]);

  // With 300 workers the servers take the pushes from 4 inboxes in no fixed order and still sum them
  // in worker order: the same parameters as the meeting's sum.
  json many = numeric;
  many["cluster"]["nodes"] = 300;
  many["run"] = {{"iterations", 3}, {"warmup_iterations", 1}};
  const auto [fast_many, analytic_many] = check_same_as_fast(many, "numerics, 300 workers");
  CHECK(analytic_many["final_params"] == fast_many["final_params"]);
}

TEST_CASE("analytic parameter server: auto picks it, and where it does not apply it is refused with the reason") {
  json s = ps(4, 2, 960.0 * 1000);
  s["network"]["fidelity"] = "auto";
  const json chosen = dtsim::test::simulate(s);
  CHECK(chosen["fidelity"]["ran"] == "analytic");

  json base = ps(4, 2, 960.0 * 1000);
  base["network"]["fidelity"] = "analytic";
  CHECK(scenario_errors(base).empty());
  json backup = base;
  backup["algorithm"]["backup_workers"] = 1;
  json aggregated = base;
  aggregated["algorithm"]["partition_bytes"] = 4096000;
  json machines = base;
  machines["cluster"]["gpus_per_node"] = 2;
  json few_workers = ps(2, 3, 960.0 * 1000);
  few_workers["network"]["fidelity"] = "analytic";
  json fabric = base;
  fabric["network"]["topology"] = "fat_tree";
  fabric["network"]["fat_tree"] = {{"down", {2, 4}}, {"up", {1, 2}}, {"links", {1, 1}}};  // 8 leaves: 4 workers, 2 servers
  const std::pair<json, std::string> refused[] = {{backup, "backup workers"},
                                                  {aggregated, "partition_bytes"},
                                                  {machines, "share its NIC"},
                                                  {few_workers, "fewer workers than shards"},
                                                  {fabric, "shared fabric links"}};
  for (const auto& c : refused) {  // not a structured binding: clang cannot capture one in INFO
    const json& scenario = c.first;
    const std::string& reason = c.second;
    const std::string errors = scenario_errors(scenario);
    INFO(reason << ": " << errors);
    CHECK(contains(errors, "/network/fidelity: \"analytic\" does not apply to algorithm \"parameter_server\""));
    CHECK(contains(errors, reason));
    json automatic = scenario;
    automatic["network"]["fidelity"] = "auto";
    CHECK(scenario_errors(automatic).empty());  // auto falls back to step
  }
}
