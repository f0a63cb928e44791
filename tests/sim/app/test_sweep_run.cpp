// Running sweeps end to end with the dtsim binary: results tables, resume after SIGKILL (nothing lost,
// nothing repeated), failing points recorded without stopping the others, shards + merge (with GNU
// parallel where installed) equal to one unsharded run.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <set>

#include "tests/sim/app/sweep_helpers.h"

namespace {

using nlohmann::json;
using dtsim::sweeptest::contains;
using dtsim::sweeptest::jsonl_rows;
using dtsim::sweeptest::lines_of;
using dtsim::test::read_file;
using dtsim::test::run_dtsim;

// A small timing-only sweep: nodes x bandwidth on one switch.
json small_sweep(const std::string& out_dir, std::vector<int> nodes, int iterations) {
  json base = dtsim::test::base_scenario(2);
  base["run"]["iterations"] = iterations;
  return {{"name", "small"},
          {"base", base},
          {"axes", json::array({{{"pointer", "/cluster/nodes"}, {"values", nodes}, {"name", "nodes"}},
                                {{"pointer", "/network/bandwidth"}, {"values", {"10Gbps", "25Gbps"}}, {"name", "bw"}}})},
          {"point_outputs", false},
          {"output_dir", out_dir}};
}

std::map<std::string, json> by_id(const std::vector<json>& rows) {
  std::map<std::string, json> m;
  for (const json& r : rows) {
    CHECK_MESSAGE(!m.count(r["point_id"]), "repeated point " << r["point_id"]);
    m[r["point_id"]] = r;
  }
  return m;
}

// A row without its host-dependent fields.
json deterministic(json row) {
  row.erase("point_wall_s");
  row.erase("dir");
  if (row["summary"].is_object()) row["summary"].erase("wall_time_s");
  return row;
}

}  // namespace

TEST_CASE("sweep: a run writes one row per point to results.jsonl and results.csv") {
  const std::string dir = dtsim::test::make_temp_dir();
  const std::string file = dtsim::sweeptest::write_json(dir + "/s.json", small_sweep(dir + "/out", {2, 4}, 3));
  auto r = run_dtsim({"sweep", file, "-j", "2"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "sweep small: 4 points: 4 ok, 0 failed"));
  CHECK(contains(r.err, "[4/4] ok"));  // plain progress lines when stderr is not a terminal
  CHECK(contains(r.err, "ETA"));
  auto rows = jsonl_rows(dir + "/out/results.jsonl");
  REQUIRE(rows.size() == 4);
  for (const json& row : rows) {
    CHECK(row["status"] == "ok");
    CHECK(row["summary"]["ranks"] == row["params"]["nodes"]);
    CHECK(row["summary"]["iteration_time_s"].get<double>() > 0);
    CHECK(row["overrides"]["/network/bandwidth"] == row["params"]["bw"]);
  }
  const auto csv = lines_of(read_file(dir + "/out/results.csv"));
  REQUIRE(csv.size() == 5);
  CHECK(csv[0].rfind("index,point_id,status,error,nodes,bw,", 0) == 0);
  CHECK(contains(csv[0], ",iteration_time_s,"));
  CHECK(contains(csv[0], ",wait_time_s.mean,"));
  CHECK_FALSE(contains(csv[0], "scenario"));
  CHECK(csv[1].rfind("0,", 0) == 0);
  CHECK(csv[4].rfind("3,", 0) == 0);
  CHECK(dtsim::test::file_exists(dir + "/out/sweep.json"));
  // Everything done: a rerun runs nothing and changes nothing.
  const std::string before = read_file(dir + "/out/results.jsonl");
  auto again = run_dtsim({"sweep", file});
  CHECK(again.exit_code == 0);
  CHECK(contains(again.err, "4 already in"));
  CHECK(contains(again.out, "0 run now"));
  CHECK(read_file(dir + "/out/results.jsonl") == before);
}

TEST_CASE("sweep: resume after SIGKILL loses no finished point and repeats none") {
  const std::string dir = dtsim::test::make_temp_dir();
  // 12 points of a few tenths of a second each.
  const std::string file =
      dtsim::sweeptest::write_json(dir + "/s.json", small_sweep(dir + "/out", {12, 16, 20, 24, 28, 32}, 30));
  const std::string jsonl = dir + "/out/results.jsonl";
  const pid_t pid = dtsim::sweeptest::spawn_dtsim({"sweep", file, "-j", "2", "--progress", "none"}, dir);
  std::size_t lines = 0;
  for (int i = 0; i < 600 && lines < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lines = lines_of(read_file(jsonl)).size();
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the killed sweep's children die with it
  const std::string killed = read_file(jsonl);
  const auto first = jsonl_rows(jsonl);  // every line whole and parseable
  REQUIRE(first.size() >= 3);
  REQUIRE_MESSAGE(first.size() < 12, "the sweep finished before it was killed; make the points slower");
  MESSAGE("killed after " << first.size() << " of 12 points");
  CHECK(read_file(jsonl) == killed);  // no orphan appends anything later

  auto listed = dtsim::sweeptest::list_points(file);
  REQUIRE(listed.size() == 12);
  std::size_t ok = 0;
  for (const auto& [id, state] : listed) ok += state == "ok";
  CHECK(ok == first.size());

  auto resumed = run_dtsim({"sweep", file, "-j", "2"});
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.err);
  CHECK(contains(resumed.err, std::to_string(first.size()) + " already in"));
  CHECK(contains(resumed.err, std::to_string(12 - first.size()) + " to run"));
  const std::string after = read_file(jsonl);
  CHECK(after.compare(0, killed.size(), killed) == 0);  // the finished rows are untouched
  const auto rows = jsonl_rows(jsonl);
  CHECK(rows.size() == 12);
  auto ids = by_id(rows);
  CHECK(ids.size() == 12);
  for (const auto& [id, state] : listed) CHECK(ids.count(id) == 1);
  CHECK(lines_of(read_file(dir + "/out/results.csv")).size() == 13);
}

TEST_CASE("sweep: a failing point is recorded with its error and the others finish") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = small_sweep(dir + "/out", {2, 3}, 3);
  // The third value of this axis makes a point that runs far past --timeout.
  s["axes"] = json::array(
      {{{"name", "case"},
        {"labels", {"fine", "also fine", "too slow"}},
        {"zip", {{{"pointer", "/run/iterations"}, {"values", {3, 4, 100000}}},
                 {{"pointer", "/cluster/nodes"}, {"values", {2, 2, 64}}}}}}});
  const std::string file = dtsim::sweeptest::write_json(dir + "/s.json", s);
  auto r = run_dtsim({"sweep", file, "-j", "2", "--timeout", "2"});
  CHECK(r.exit_code == 1);
  auto rows = jsonl_rows(dir + "/out/results.jsonl");
  REQUIRE(rows.size() == 3);
  std::map<std::string, json> by_case;
  for (const json& row : rows) by_case[row["params"]["case"]] = row;
  CHECK(by_case["fine"]["status"] == "ok");
  CHECK(by_case["also fine"]["status"] == "ok");
  CHECK(by_case["too slow"]["status"] == "failed");
  CHECK(contains(by_case["too slow"]["error"].get<std::string>(), "timed out"));
  CHECK(by_case["too slow"]["summary"].is_null());
  CHECK(contains(r.out, "2 ok, 1 failed"));
  CHECK(contains(r.err, "FAILED"));
  // Failed points are not rerun by default; --retry-failed reruns them (and their new row wins).
  auto again = run_dtsim({"sweep", file, "--timeout", "2"});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "3 already in"));
  CHECK(contains(again.out, "--retry-failed"));
  CHECK(jsonl_rows(dir + "/out/results.jsonl").size() == 3);
  auto retry = run_dtsim({"sweep", file, "--timeout", "1", "--retry-failed"});
  CHECK(retry.exit_code == 1);
  CHECK(contains(retry.err, "1 to run"));
  CHECK(jsonl_rows(dir + "/out/results.jsonl").size() == 4);
  CHECK(lines_of(read_file(dir + "/out/results.csv")).size() == 4);  // one row per point
}

TEST_CASE("sweep: a point that fails while running is recorded with the simulator's error") {
  const std::string dir = dtsim::test::make_temp_dir();
  json base = {{"name", "fm"},
               {"cluster", {{"nodes", 2}}},
               {"workload", {{"model", "softmax_regression"}, {"batch_per_gpu", 8},
                             {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 256}, {"test_limit", 64}}}}},
               {"run", {{"iterations", 3}}},
               {"output", {{"trace", false}}}};
  json s = {{"name", "fm"}, {"base", base}, {"output_dir", dir + "/out"},
            {"axes", json::array({{{"pointer", "/workload/dataset/path"},
                                   {"values", {"/usr/share/datasets/fashion-mnist", dir + "/no-such-dataset"}}}})}};
  const std::string file = dtsim::sweeptest::write_json(dir + "/s.json", s);
  auto r = run_dtsim({"sweep", file, "-j", "2"});
  auto rows = jsonl_rows(dir + "/out/results.jsonl");
  if (rows.empty()) {  // the parser checks the path itself: then it is bad input, reported up front
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "/axes/0/values/1:"));
    return;
  }
  CHECK(r.exit_code == 1);
  REQUIRE(rows.size() == 2);
  auto ids = by_id(rows);
  std::size_t failed = 0;
  for (const auto& [id, row] : ids) {
    if (row["status"] != "failed") continue;
    ++failed;
    CHECK(row["params"]["workload.dataset.path"] == dir + "/no-such-dataset");
    CHECK_FALSE(row["error"].get<std::string>().empty());
  }
  CHECK(failed == 1);
  CHECK(dtsim::test::file_exists(dir + "/out/points/" + rows[0]["point_id"].get<std::string>() + "/summary.json") ==
        (rows[0]["status"] == "ok"));
}

TEST_CASE("sweep: shards partition the points exactly and their merge equals one unsharded run") {
  const std::string dir = dtsim::test::make_temp_dir();
  const std::string file = dtsim::sweeptest::write_json(dir + "/s.json", small_sweep(dir + "/out", {2, 3, 4, 5, 6}, 3));
  const auto all = dtsim::sweeptest::list_points(file);
  REQUIRE(all.size() == 10);
  std::multiset<std::string> union_ids;
  for (int k = 1; k <= 3; ++k) {
    const auto part = dtsim::sweeptest::list_points(file, {"--shard", std::to_string(k) + "/3"});
    CHECK(part.size() == (k == 1 ? 4u : 3u));
    for (const auto& [id, state] : part) union_ids.insert(id);
  }
  std::set<std::string> all_ids;
  for (const auto& [id, state] : all) all_ids.insert(id);
  CHECK(union_ids.size() == 10);
  CHECK(std::set<std::string>(union_ids.begin(), union_ids.end()) == all_ids);

  // Run the shards as a cluster would: GNU parallel where installed, else one after the other.
  const bool have_parallel = std::system("command -v parallel >/dev/null 2>&1") == 0;
  if (have_parallel) {
    const std::string command = "parallel --will-cite --halt never -j 3 '" + std::string(DTSIM_BINARY) + "' sweep '" + file +
                                "' --shard {}/3 --progress none ::: 1 2 3 >" + dir + "/parallel.log 2>&1";
    CHECK(std::system(command.c_str()) == 0);
  } else {
    MESSAGE("GNU parallel is not installed (Debian package parallel): running the shards one by one");
    for (int k = 1; k <= 3; ++k)
      CHECK(run_dtsim({"sweep", file, "--shard", std::to_string(k) + "/3"}).exit_code == 0);
  }
  std::vector<std::string> shard_dirs;
  std::size_t shard_rows = 0;
  for (int k = 1; k <= 3; ++k) {
    shard_dirs.push_back(dir + "/out/shard-" + std::to_string(k) + "-of-3");
    const auto rows = jsonl_rows(shard_dirs.back() + "/results.jsonl");
    shard_rows += rows.size();
    for (const json& row : rows) CHECK(row["index"].get<std::size_t>() % 3 == static_cast<std::size_t>(k - 1));
  }
  CHECK(shard_rows == 10);

  std::vector<std::string> merge = {"sweep", "--merge", dir + "/merged"};
  merge.insert(merge.end(), shard_dirs.begin(), shard_dirs.end());
  auto m = run_dtsim(merge);
  REQUIRE_MESSAGE(m.exit_code == 0, m.err);
  CHECK(contains(m.out, "merged 10 rows from 3 inputs into 10 points (10 ok, 0 failed)"));
  auto unsharded = run_dtsim({"sweep", file, "--out", dir + "/single", "-j", "2"});
  REQUIRE(unsharded.exit_code == 0);

  const auto merged = by_id(jsonl_rows(dir + "/merged/results.jsonl"));
  const auto single = by_id(jsonl_rows(dir + "/single/results.jsonl"));
  REQUIRE(merged.size() == 10);
  for (const auto& [id, row] : single) {
    REQUIRE(merged.count(id) == 1);
    CHECK(deterministic(merged.at(id)) == deterministic(row));
  }
  // Lossless: each merged row is its shard row, field for field.
  for (const std::string& d : shard_dirs)
    for (const json& row : jsonl_rows(d + "/results.jsonl")) CHECK(merged.at(row["point_id"]) == row);
  // The merged table equals the unsharded one but for host timings, and merging again changes nothing.
  const auto header = lines_of(read_file(dir + "/merged/results.csv"))[0];
  CHECK(header == lines_of(read_file(dir + "/single/results.csv"))[0]);
  CHECK(lines_of(read_file(dir + "/merged/results.csv")).size() == 11);
  const std::string before = read_file(dir + "/merged/results.jsonl");
  std::vector<std::string> again = merge;
  again.push_back(dir + "/merged");
  again[2] = dir + "/merged2";
  REQUIRE(run_dtsim(again).exit_code == 0);
  CHECK(read_file(dir + "/merged2/results.jsonl") == before);
  CHECK(run_dtsim({"sweep", "--merge", dir + "/m3", dir + "/nothing-here"}).exit_code == 2);
}
