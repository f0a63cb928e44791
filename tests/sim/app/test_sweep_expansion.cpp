// Sweep files: grid product and zipped axes, ranges, stable point ids, shards, and bad sweep files
// reported with JSON paths into the sweep file (exit 2, nothing written).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "sim/app/sweep.h"
#include "tests/support/test_support.h"
#include "tests/sim/app/sweep_helpers.h"

namespace {

using nlohmann::json;
using dtsim::sweeptest::contains;

json base_sweep() {
  return {{"name", "t"},
          {"base", dtsim::test::base_scenario(2)},
          {"axes", json::array({{{"pointer", "/cluster/nodes"}, {"values", {2, 3, 4}}},
                                {{"pointer", "/network/bandwidth"}, {"values", {"10Gbps", "25Gbps"}}, {"name", "bw"}}})}};
}

std::string errors_text(const dtsim::SweepPlanResult& r) {
  std::string text;
  for (const auto& e : r.errors) text += e + "\n";
  return text;
}

}  // namespace

TEST_CASE("sweep: grid product in axis order, last axis fastest, with stable ids and columns") {
  auto r = dtsim::expand_sweep(base_sweep(), "");
  REQUIRE_MESSAGE(r.ok(), errors_text(r));
  const auto& plan = r.plan;
  REQUIRE(plan.points.size() == 6);
  CHECK(plan.columns == std::vector<std::string>{"cluster.nodes", "bw"});
  const std::vector<std::pair<int, std::string>> expected = {{2, "10Gbps"}, {2, "25Gbps"}, {3, "10Gbps"},
                                                             {3, "25Gbps"}, {4, "10Gbps"}, {4, "25Gbps"}};
  std::set<std::string> ids;
  for (std::size_t i = 0; i < plan.points.size(); ++i) {
    const auto& p = plan.points[i];
    CHECK(p.index == i);
    CHECK(p.params.at(0).second == expected[i].first);
    CHECK(p.params.at(1).second == expected[i].second);
    CHECK(p.overrides == json{{"/cluster/nodes", expected[i].first}, {"/network/bandwidth", expected[i].second}});
    CHECK(p.id.size() == 16);
    ids.insert(p.id);
    json doc = dtsim::point_document(plan, p);
    CHECK(doc["cluster"]["nodes"] == expected[i].first);
    CHECK(doc["network"]["bandwidth"] == expected[i].second);
  }
  CHECK(ids.size() == 6);
  // The id depends on the resolved overrides only: the same point in a reordered sweep keeps it.
  json swapped = base_sweep();
  std::swap(swapped["axes"][0], swapped["axes"][1]);
  auto r2 = dtsim::expand_sweep(swapped, "");
  REQUIRE(r2.ok());
  std::set<std::string> ids2;
  for (const auto& p : r2.plan.points) ids2.insert(p.id);
  CHECK(ids == ids2);
  CHECK(r2.plan.points[1].params.at(0).second == "10Gbps");  // now bandwidth is the slow axis
  CHECK(r2.plan.points[1].params.at(1).second == 3);
  // A fixed "set" is part of every point's overrides (and so of its id).
  json with_set = base_sweep();
  with_set["set"] = {{"/run/iterations", 2}};
  auto r3 = dtsim::expand_sweep(with_set, "", {"/network/latency=1us"});
  REQUIRE_MESSAGE(r3.ok(), errors_text(r3));
  CHECK(r3.plan.points[0].overrides["/run/iterations"] == 2);
  CHECK(r3.plan.points[0].overrides["/network/latency"] == "1us");
  CHECK(r3.plan.points[0].id != plan.points[0].id);
}

TEST_CASE("sweep: ranges and zipped axes with labels") {
  json s = base_sweep();
  s["axes"] = json::array(
      {{{"pointer", "/cluster/nodes"}, {"values", {{"from", 2}, {"to", 16}, {"factor", 2}}}},
       {{"name", "variant"},
        {"labels", {"slow", "fast"}},
        {"zip", {{{"pointer", "/network/bandwidth"}, {"values", {"1Gbps", "100Gbps"}}},
                 {{"pointer", "/network/latency"}, {"values", {"50us", "1us"}}, {"name", "lat"}}}}},
       {{"pointer", "/workload/compute_time"}, {"values", {{"from", 0.01}, {"to", 0.02}, {"step", 0.005}}}}});
  auto r = dtsim::expand_sweep(s, "");
  REQUIRE_MESSAGE(r.ok(), errors_text(r));
  const auto& plan = r.plan;
  CHECK(plan.columns == std::vector<std::string>{"cluster.nodes", "variant", "network.bandwidth", "lat", "workload.compute_time"});
  REQUIRE(plan.points.size() == 4 * 2 * 3);
  std::vector<int> nodes;
  for (const auto& p : plan.points)
    if (nodes.empty() || nodes.back() != p.params[0].second.get<int>()) nodes.push_back(p.params[0].second.get<int>());
  CHECK(nodes == std::vector<int>{2, 4, 8, 16});
  CHECK(plan.points[0].params[0].second.is_number_integer());
  // Zipped columns vary together.
  for (const auto& p : plan.points) {
    const bool slow = p.params[1].second == "slow";
    CHECK(p.params[2].second == (slow ? "1Gbps" : "100Gbps"));
    CHECK(p.overrides["/network/latency"] == (slow ? "50us" : "1us"));
    CHECK_FALSE(p.overrides.contains("variant"));
  }
  CHECK(plan.points[0].params[4].second.get<double>() == doctest::Approx(0.01));
  CHECK(plan.points[2].params[4].second.get<double>() == doctest::Approx(0.02));
  // Shards: 1..N partition the points round-robin.
  std::multiset<std::size_t> seen;
  for (int k = 1; k <= 5; ++k)
    for (const auto* p : dtsim::shard_points(plan, k, 5)) {
      CHECK(p->index % 5 == static_cast<std::size_t>(k - 1));
      seen.insert(p->index);
    }
  CHECK(seen.size() == plan.points.size());
  CHECK(std::set<std::size_t>(seen.begin(), seen.end()).size() == plan.points.size());
}

TEST_CASE("sweep: structure and pointer errors name the JSON path in the sweep file") {
  auto expect = [](const json& doc, const std::vector<std::string>& needles) {
    auto r = dtsim::expand_sweep(doc, "");
    CHECK_FALSE(r.ok());
    const std::string text = errors_text(r);
    for (const auto& n : needles) CHECK_MESSAGE(contains(text, n), "missing \"" << n << "\" in:\n" << text);
  };
  json s = base_sweep();
  s["axes"][0]["pointer"] = "cluster/nodes";
  expect(s, {"/axes/0/pointer: \"cluster/nodes\" is not a JSON pointer (it must start with /)"});

  s = base_sweep();
  s["axes"][1]["pointer"] = "/cluster/nodes/deeper";  // through a number
  expect(s, {"/axes/1/pointer: \"/cluster/nodes/deeper\" cannot be set on the base scenario"});

  s = base_sweep();
  s["axes"][1]["pointer"] = "/cluster/nodes";
  expect(s, {"/axes/1/pointer: \"/cluster/nodes\" is already swept by /axes/0"});

  s = base_sweep();
  s["axes"][0] = {{"zip", {{{"pointer", "/cluster/nodes"}, {"values", {2, 3}}},
                           {{"pointer", "/run/iterations"}, {"values", {2, 3, 4}}}}}};
  expect(s, {"/axes/0/zip/1/values: has 3 values but /axes/0/zip/0/values has 2"});

  s = base_sweep();
  s["axes"][0]["values"] = json::array();
  s["axez"] = 1;
  s["axes"][1]["valuez"] = 1;
  expect(s, {"/axes/0/values: is empty", "/axez: unknown key", "/axes/1/valuez: unknown key"});

  s = base_sweep();
  s["axes"][0]["values"] = {{"from", 8}, {"to", 2}, {"step", 1}};
  expect(s, {"/axes/0/values: \"from\" must not exceed \"to\""});

  s = base_sweep();
  s.erase("base");
  expect(s, {"/base: is required"});
  s["base"] = "no-such-file.json";
  expect(s, {"/base: \"no-such-file.json\": cannot open the scenario file"});

  s = base_sweep();
  s["axes"][0]["values"] = {2, 3, 2};
  expect(s, {"/axes: points 0 and 4 are the same scenario"});

  s = base_sweep();
  s["axes"][0]["labels"] = {"a", "b", "c"};  // labels need a name
  s["axes"][0].erase("name");
  expect(s, {"/axes/0/name: is required with \"labels\""});

  // Scenario errors of a point are attributed to the axis value or the "set" entry that caused them.
  s = base_sweep();
  s["axes"][0]["values"] = {2, 0};
  s["axes"][1]["values"] = {"10Gbps", "25Gbs"};
  s["set"] = {{"/run/iterationz", 3}};
  expect(s, {"/axes/0/values/1: /cluster/nodes: 0 is out of range",
             "/axes/1/values/1: /network/bandwidth: \"25Gbs\" is not a bandwidth",
             "/set/~1run~1iterationz: /run/iterationz: unknown key"});
}

TEST_CASE("sweep: the CLI rejects a bad sweep file with exit 2 and writes nothing") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = base_sweep();
  s["output_dir"] = dir + "/out";
  s["axes"][1]["values"] = {"10Gbps", "25Gbs"};
  const std::string file = dtsim::sweeptest::write_json(dir + "/bad.json", s);
  auto r = dtsim::test::run_dtsim({"sweep", file});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "error: /axes/1/values/1: /network/bandwidth: \"25Gbs\" is not a bandwidth"));
  CHECK(contains(r.err, "1 problem found; nothing was run or written"));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out"));

  CHECK(dtsim::test::run_dtsim({"sweep", dir + "/none.json"}).exit_code == 2);
  CHECK(dtsim::test::run_dtsim({"sweep", file, "--shard", "3/2"}).exit_code == 2);
  CHECK(dtsim::test::run_dtsim({"sweep", file, "-j", "0"}).exit_code == 2);
  auto help = dtsim::test::run_dtsim({"--help"});
  CHECK(contains(help.out, "sweep SWEEP"));
  CHECK(contains(help.out, "plot speedup|breakdown|convergence|timeline"));
}

TEST_CASE("sweep: every shipped study expands and validates") {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(DTSIM_SOURCE_DIR) + "/scenarios/studies")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    auto r = dtsim::test::run_dtsim({"sweep", entry.path().string(), "--list"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') >= 2);  // one line per point
    ++count;
  }
  CHECK(count >= 5);
}
