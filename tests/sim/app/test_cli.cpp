// The dtsim command line end to end: exit codes, error lines, nothing written on bad input,
// complete outputs on success, and byte-identical outputs for the same scenario and seed.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using dtsim::test::run_dtsim;

using dtsim::test::write_scenario;

using dtsim::test::contains;

}  // namespace

TEST_CASE("core: cli help and version") {
  auto help = run_dtsim({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "dtsim run SCENARIO") == false);  // usage line starts with "usage: dtsim"
  CHECK(contains(help.out, "run SCENARIO [--out DIR] [--set /json/pointer=value ...]"));
  auto version = run_dtsim({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(contains(version.out, "dtsim 0."));
  CHECK(run_dtsim({}).exit_code == 2);
  CHECK(run_dtsim({"frobnicate"}).exit_code == 2);
}

TEST_CASE("core: cli rejects bad input with exit 2 and writes nothing") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(2);
  s["network"]["bandwidth"] = "25Gbs";
  s["cluster"]["nodes"] = 0;
  s["output"]["dir"] = dir + "/out";
  const std::string file = write_scenario(dir, s);
  auto r = run_dtsim({"run", file});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "error: /network/bandwidth: \"25Gbs\" is not a bandwidth"));
  CHECK(contains(r.err, "error: /cluster/nodes: 0 is out of range"));
  CHECK(contains(r.err, "2 problems found; nothing was run or written"));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out"));

  auto missing = run_dtsim({"run", dir + "/no-such.json"});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "no-such.json: cannot open the scenario file"));

  std::ofstream(dir + "/broken.json") << "{\"name\": ";
  auto broken = run_dtsim({"validate", dir + "/broken.json"});
  CHECK(broken.exit_code == 2);
  CHECK(contains(broken.err, "not valid JSON"));

  auto bad_set = run_dtsim({"validate", file, "--set", "cluster/nodes=4"});
  CHECK(bad_set.exit_code == 2);
  CHECK(contains(bad_set.err, "expected /json/pointer=value"));
}

TEST_CASE("core: cli reports an unwritable output directory") {
  const std::string dir = dtsim::test::make_temp_dir();
  std::ofstream(dir + "/a-file") << "x";
  json s = dtsim::test::base_scenario(2);
  const std::string file = write_scenario(dir, s);
  auto r = run_dtsim({"run", file, "--out", dir + "/a-file/out"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "cannot create it"));
}

TEST_CASE("core: cli run writes summary, iterations and trace, --set overrides") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(4);
  s["output"]["trace"] = true;
  const std::string file = write_scenario(dir, s);
  auto r = run_dtsim({"run", file, "--out", dir + "/out", "--set", "/run/iterations=4", "--set",
                      "/network/bandwidth=25Gbps"});
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "iteration"));
  json summary = json::parse(dtsim::test::read_file(dir + "/out/summary.json"));
  CHECK(summary["iterations"] == 4);
  CHECK(summary["scenario"]["network"]["bandwidth"].get<double>() == doctest::Approx(3.125e9));
  for (const char* key : {"iteration_time_s", "compute_time_s", "comm_time_s", "exposed_comm_time_s",
                          "comm_to_compute_ratio", "throughput_samples_per_s", "speedup", "scaling_efficiency",
                          "ranks", "sim_time_s", "wall_time_s"})
    CHECK_MESSAGE(summary.contains(key), key);
  CHECK(summary["wait_time_s"].contains("mean"));
  CHECK(summary["wait_time_s"].contains("max"));
  const std::string csv = dtsim::test::read_file(dir + "/out/iterations.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);  // header + 4 rows

  // trace.json: a compute and a comm track for every rank (plus overflow lanes), and per rank one
  // compute span, one allreduce span, 2(p-1) sends and 2(p-1) receives per iteration.
  json trace = json::parse(dtsim::test::read_file(dir + "/out/trace.json"));
  std::map<int, std::string> track_owner;  // tid -> "rank N"
  for (const json& ev : trace["traceEvents"])
    if (ev["ph"] == "M" && ev["name"] == "thread_name") {
      const std::string name = ev["args"]["name"];
      track_owner[ev["tid"].get<int>()] = name.substr(0, name.find(' ', 5));
    }
  std::map<std::string, std::map<std::string, int>> spans;
  for (const json& ev : trace["traceEvents"]) {
    if (ev["ph"] != "X") continue;
    spans[track_owner.at(ev["tid"].get<int>())][ev["name"].get<std::string>()]++;
    if (ev["name"] != "compute") CHECK(ev["args"].contains("bytes"));
    CHECK(ev["args"].contains("iteration"));
    CHECK(ev["dur"].get<double>() > 0);
  }
  CHECK(track_owner.size() >= 8);
  REQUIRE(spans.size() == 4);
  for (const auto& span : spans) {  // not a structured binding: INFO captures `rank` in a lambda
    const std::string rank = span.first;
    const std::map<std::string, int>& kinds = span.second;
    INFO(rank);
    CHECK(kinds.at("compute") == 4);
    CHECK(kinds.at("allreduce") == 4);
    CHECK(kinds.at("send") == 4 * 2 * 3);
    CHECK(kinds.at("recv") == 4 * 2 * 3);
  }
}

TEST_CASE("core: same scenario and seed give byte-identical outputs") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(6);
  s["output"]["trace"] = true;
  s["algorithm"] = {{"name", "parameter_server"}, {"servers", 2}};
  s["network"]["model"] = "tcp";  // the model with the most moving parts
  const std::string file = write_scenario(dir, s);
  REQUIRE(run_dtsim({"run", file, "--out", dir + "/a"}).exit_code == 0);
  REQUIRE(run_dtsim({"run", file, "--out", dir + "/b"}).exit_code == 0);
  for (const char* name : {"iterations.csv", "trace.json"})
    CHECK_MESSAGE(dtsim::test::read_file(dir + "/a/" + name) == dtsim::test::read_file(dir + "/b/" + name), name);
  // summary.json differs only in the host's wall time (and the output dir it records).
  json a = json::parse(dtsim::test::read_file(dir + "/a/summary.json"));
  json b = json::parse(dtsim::test::read_file(dir + "/b/summary.json"));
  for (json* j : {&a, &b}) {
    j->erase("wall_time_s");
    (*j)["scenario"]["output"].erase("dir");
  }
  CHECK(a.dump() == b.dump());
}

TEST_CASE("core: cli rejects bad failure and recovery specs with their JSON paths") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(4);
  s["failures"] = {{"machine", {{"process", "exponential"}, {"mtbf", "-5h"}}},
                   {"gpu", {{"process", "weibull"}, {"shape", 0.7}}},
                   {"events", {{{"at", "3s"}, {"machine", 9}}, {{"at", "1s"}, {"gpu", 1}, {"machine", 0}}}}};
  s["run"]["recovery"] = {{"policy", "checkpoint_restart"}, {"interval", 0}};
  auto r = run_dtsim({"run", write_scenario(dir, s), "--out", dir + "/out"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "error: /failures/machine/mtbf: \"-5h\""));
  CHECK(contains(r.err, "error: /failures/gpu/scale: is required"));
  CHECK(contains(r.err, "error: /failures/events/0/machine: 9 is not a machine; allowed: integers 0 to 3"));
  CHECK(contains(r.err, "error: /failures/events/1: names several components"));
  CHECK(contains(r.err, "error: /run/recovery/interval: 0 is out of range"));
  CHECK(contains(r.err, "error: /run/recovery: gives no checkpoint cost"));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out/summary.json"));

  // A scheduled failure the run never reaches is an error too (found by running: nothing is written).
  json late = dtsim::test::base_scenario(4);
  late["failures"] = {{"events", {{{"at", "1h"}, {"machine", 1}}}}};
  auto l = run_dtsim({"run", write_scenario(dir, late), "--out", dir + "/late"});
  CHECK(l.exit_code == 2);
  CHECK(contains(l.err, "error: /failures/events/0/at: is after the end of the run"));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/late/summary.json"));

  // A synchronous PS without backup workers cannot ride through a dead worker, nor be restarted.
  json ps = dtsim::test::base_scenario(4);
  ps["algorithm"] = {{"name", "parameter_server"}};
  ps["failures"] = {{"events", {{{"at", "1ms"}, {"machine", 1}}}}};
  auto p = run_dtsim({"validate", write_scenario(dir, ps)});
  CHECK(p.exit_code == 2);
  CHECK(contains(p.err, "error: /algorithm/backup_workers: is 0: every update of \"parameter_server\" waits for every worker"));
}
