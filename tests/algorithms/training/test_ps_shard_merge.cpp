// Symmetric parameter-server shards simulated as one server at "fast" (ps_shard_merge.h): the same
// iteration times as the message-by-message exchange ("step", which never merges) to 1e-9 relative,
// every iteration, with the workers out of step (per-rank speeds and exponential compute noise), for
// the synchronous and the asynchronous PS (with and without a staleness bound), more shards than
// workers, multi-GPU machines with one and two NICs; the same server summary (updates, staleness,
// their pace) and shard count; and no merge wherever the symmetry is not provable or an output would
// show it (each such scenario still runs, unmerged).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/analytic_against_fast.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using dtsim::test::relative_difference;

// p workers (machines of `gpus` GPUs), k shards of a 960 kB gradient (a multiple of 2 to 8: equal
// shards), ranks out of step.
json ps(const std::string& algorithm, int machines, int shards, int gpus = 1) {
  json s = dtsim::test::base_scenario(machines);
  s["cluster"]["gpus_per_node"] = gpus;
  if (gpus > 1) s["network"]["intra_node"] = {{"bandwidth", "40GBps"}, {"latency", "1us"}};
  s["workload"] = {{"params", 960000}, {"bytes_per_param", 1}, {"compute_time", "2ms"}};
  s["algorithm"] = {{"name", algorithm}, {"servers", shards}};
  s["run"] = {{"iterations", 6}, {"warmup_iterations", 1}};
  s["stragglers"] = {{"rank_factors", {{{"ranks", {0}}, {"factor", 1.7}}}},
                     {"noise", {{"distribution", "exponential"}, {"mean", 0.001}}}};
  s["output"] = {{"trace", false}, {"links", false}};
  s["network"]["fidelity"] = "fast";
  return s;
}

bool merged(const json& summary) { return summary["fidelity"].contains("shards_per_server"); }

// Runs `s` at fast (merged) and at step (one server per shard) and compares.
void check_merge_is_exact(const json& s, const std::string& label) {
  json step = s;
  step["network"]["fidelity"] = "step";
  const json a = dtsim::test::simulate(s), b = dtsim::test::simulate(step);
  INFO(label << ": fast " << a["sim_time_s"] << " s, step " << b["sim_time_s"] << " s");
  const int shards = s["algorithm"]["servers"].get<int>();
  REQUIRE(merged(a));
  CHECK(a["fidelity"]["shards_per_server"]["shards"] == shards);
  CHECK(!merged(b));
  CHECK(a["servers"] == shards);  // the shards, not the one server simulated
  CHECK(b["servers"] == shards);
  REQUIRE(a["rows"].size() == b["rows"].size());
  CHECK(relative_difference(a["sim_time_s"].get<double>(), b["sim_time_s"].get<double>()) <= 1e-9);
  for (std::size_t k = 0; k < a["rows"].size(); ++k) {
    INFO("row " << k);
    CHECK(relative_difference(a["rows"][k]["iteration_time"].get<double>(),
                              b["rows"][k]["iteration_time"].get<double>()) <= 1e-9);
    CHECK(a["rows"][k]["bytes_sent_per_rank"] == b["rows"][k]["bytes_sent_per_rank"]);
  }
  const json& x = a["parameter_server"];
  const json& y = b["parameter_server"];
  CHECK(x["model_updates"] == y["model_updates"]);
  CHECK(x["staleness"] == y["staleness"]);
  CHECK(x["gradients_unapplied_at_end"] == y["gradients_unapplied_at_end"]);
  CHECK(relative_difference(x["update_interval_s"].get<double>(), y["update_interval_s"].get<double>()) <= 1e-9);
  if (a.contains("iterations_per_rank")) CHECK(a["iterations_per_rank"] == b["iterations_per_rank"]);
}

}  // namespace

TEST_CASE("shard merge: the synchronous parameter server keeps every iteration time") {
  // (machines, shards, GPUs per machine): more workers than shards, as many, fewer; multi-GPU machines.
  const int shapes[][3] = {{8, 2, 1}, {16, 8, 1}, {5, 4, 1}, {3, 8, 1}, {3, 4, 4}};
  for (const auto& shape : shapes)
    check_merge_is_exact(ps("parameter_server", shape[0], shape[1], shape[2]),
                         "machines " + std::to_string(shape[0]) + ", shards " + std::to_string(shape[1]) +
                             ", GPUs " + std::to_string(shape[2]));
  json nics = ps("parameter_server", 3, 4, 4);
  nics["network"]["nics_per_node"] = 2;
  check_merge_is_exact(nics, "two NICs per machine");
}

TEST_CASE("shard merge: the asynchronous parameter server keeps every iteration and its staleness") {
  check_merge_is_exact(ps("async_parameter_server", 8, 2), "8 workers, 2 shards");
  check_merge_is_exact(ps("async_parameter_server", 16, 4), "16 workers, 4 shards");
  json ssp = ps("async_parameter_server", 6, 8);
  ssp["algorithm"]["staleness_bound"] = 1;
  check_merge_is_exact(ssp, "6 workers, 8 shards, staleness bound 1");
}

TEST_CASE("shard merge: not where the symmetry is not provable or an output would show it") {
  const json base = ps("parameter_server", 4, 4);
  std::vector<std::pair<json, std::string>> cases;
  auto with = [&](const std::string& label, const std::function<void(json&)>& change) {
    json s = base;
    change(s);
    cases.push_back({s, label});
  };
  with("links.csv", [](json& s) { s["output"]["links"] = true; });
  with("trace.json", [](json& s) { s["output"]["trace"] = true; });
  with("unequal shards", [](json& s) { s["workload"]["params"] = 960001; });
  with("tcp model", [](json& s) { s["network"]["model"] = "tcp"; });
  with("fat tree", [](json& s) {
    s["network"]["topology"] = "fat_tree";
    s["network"]["fat_tree"] = {{"down", {2, 4}}, {"up", {1, 2}}, {"links", {1, 1}}};  // 8 leaves: 4 + 4
  });
  with("network jitter", [](json& s) { s["stragglers"]["network_jitter"] = {{"sigma", 0.1}, {"period", "1ms"}}; });
  with("overlap slowdown", [](json& s) { s["workload"]["overlap_slowdown"] = 0.2; });
  with("backup workers", [](json& s) { s["algorithm"]["backup_workers"] = 1; });
  with("BytePS-style partitions", [](json& s) { s["algorithm"]["partition_bytes"] = 120000; });
  with("one machine", [](json& s) {
    s["cluster"] = {{"nodes", 1}, {"gpus_per_node", 4}};
    s["network"]["intra_node"] = {{"bandwidth", "40GBps"}, {"latency", "1us"}};
  });
  json numerics = dtsim::test::base_scenario(4);
  numerics["workload"] = dtsim::test::least_squares_workload(8, 16, 1.0, 0.05);
  numerics["algorithm"] = {{"name", "async_parameter_server"}, {"servers", 2}};
  numerics["network"]["fidelity"] = "fast";
  numerics["output"] = {{"trace", false}, {"links", false}};
  cases.push_back({numerics, "real values"});
  for (const auto& c : cases) {
    INFO(c.second);
    const json r = dtsim::test::simulate(c.first);
    CHECK(!merged(r));
    CHECK(r["servers"] == c.first["algorithm"]["servers"]);
  }
}
