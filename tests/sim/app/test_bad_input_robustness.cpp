// Bad input that used to crash, hang or slip through, fed to the dtsim binary: each must exit 2 with
// one line naming the field or option, write nothing, and never abort, hang or overflow the stack.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using dtsim::test::file_exists;
using dtsim::test::make_temp_dir;
using dtsim::test::run_dtsim;

using dtsim::test::contains;

std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// A valid scenario whose outputs would go to dir/out.
std::string scenario_file(const std::string& dir) {
  json s = dtsim::test::base_scenario(2);
  s["output"]["dir"] = dir + "/out";
  return write_text(dir + "/scenario.json", s.dump(2));
}

// Bad input: exit 2, a message holding `needle`, and dir/out never created.
void expect_bad(const dtsim::test::CommandResult& r, const std::string& needle, const std::string& dir) {
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, needle));
  CHECK_FALSE(file_exists(dir + "/out"));
}

}  // namespace

TEST_CASE("robustness: numbers beyond the range of a double are bad input") {
  const std::string dir = make_temp_dir();
  const std::string file = write_text(dir + "/huge.json", R"({"name":"x","cluster":{"nodes":1e400}})");
  expect_bad(run_dtsim({"validate", file}), "outside the range of a double", dir);
  expect_bad(run_dtsim({"run", scenario_file(dir), "--set", "/cluster/nodes=1e400"}), "--set /cluster/nodes=1e400",
             dir);
  const std::string sweep = write_text(dir + "/sweep.json", R"({"base":{"name":"x"},"axes":[{"pointer":"/seed","values":[1e400]}]})");
  expect_bad(run_dtsim({"sweep", sweep, "--list", "--out", dir + "/out"}), "outside the range of a double", dir);
}

TEST_CASE("robustness: a scenario path that is a directory or a FIFO is refused without opening it") {
  const std::string dir = make_temp_dir();
  expect_bad(run_dtsim({"run", dir}), "is a directory", dir);
  const std::string fifo = dir + "/fifo.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Under `timeout`: before the fix, opening the FIFO blocked forever (exit 124 here).
  const std::string command = "timeout 30 '" + std::string(DTSIM_BINARY) + "' validate '" + fifo + "' 2>/dev/null";
  const int status = std::system(command.c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  expect_bad(run_dtsim({"validate", fifo}), "is not a regular file", dir);
  const std::string sweep = write_text(dir + "/sweep.json", R"({"base":")" + dir + R"(","axes":[{"pointer":"/seed","values":[1]}]})");
  expect_bad(run_dtsim({"sweep", sweep, "--list", "--out", dir + "/out"}), "/base", dir);
}

TEST_CASE("robustness: invalid UTF-8 in --set and --out is bad input") {
  const std::string dir = make_temp_dir();
  const std::string file = scenario_file(dir);
  expect_bad(run_dtsim({"run", file, "--set", "/name=\xff\xfe"}), "not valid UTF-8", dir);
  expect_bad(run_dtsim({"run", file, "--set", "/na\xc3me=1"}), "not valid UTF-8", dir);
  expect_bad(run_dtsim({"run", file, "--out", dir + "/out\xff"}), "--out", dir);
  CHECK_FALSE(file_exists(dir + "/out\xff"));
  const std::string sweep = write_text(dir + "/sweep.json", R"({"base":"scenario.json","axes":[{"pointer":"/seed","values":[1]}]})");
  expect_bad(run_dtsim({"sweep", sweep, "--list", "--set", "/name=\xff"}), "not valid UTF-8", dir);
  expect_bad(run_dtsim({"sweep", sweep, "--list", "--out", dir + "/\xff"}), "not valid UTF-8", dir);
}

TEST_CASE("robustness: --set refuses an array index beyond the array's end") {
  const std::string dir = make_temp_dir();
  const std::string file = scenario_file(dir);
  // nlohmann::json would resize the array to 10^11 elements (bad_alloc).
  expect_bad(run_dtsim({"validate", file, "--set", "/a=[]", "--set", "/a/99999999999=1"}),
             "array index 99999999999 is beyond the end of its array (0 element(s))", dir);
  expect_bad(run_dtsim({"validate", file, "--set", "/b/7=1"}), "array index 7 is beyond the end", dir);
  const std::string sweep = write_text(dir + "/sweep.json", R"({"base":"scenario.json","axes":[{"pointer":"/x/99999999999","values":[1]}]})");
  expect_bad(run_dtsim({"sweep", sweep, "--list"}), "/axes/0/pointer", dir);
  const std::string sweep2 = write_text(dir + "/sweep2.json", R"({"base":"scenario.json","axes":[{"pointer":"/seed","values":[1]}]})");
  expect_bad(run_dtsim({"sweep", sweep2, "--list", "--set", "/y/4294967296=1"}), "beyond the end", dir);
  // Appending at the end is still allowed, and the entry reaches the resolved scenario.
  auto ok = run_dtsim({"validate", file, "--set", "/stragglers/rank_factors=[]", "--set",
                       R"(/stragglers/rank_factors/0={"ranks":[1],"factor":2})"});
  INFO("stderr: " << ok.err);
  REQUIRE(ok.exit_code == 0);
  const json resolved = json::parse(ok.out);
  CHECK(resolved["stragglers"]["rank_factors"] == json::parse(R"([{"ranks":[1],"factor":2.0}])"));
}

TEST_CASE("robustness: nesting deeper than 128 levels is bad input, not a stack overflow") {
  const std::string dir = make_temp_dir();
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string file = write_text(dir + "/deep.json", R"({"name":"x","cluster":)" + deep + "}");
  expect_bad(run_dtsim({"run", file}), "deeper than 128 levels", dir);
  expect_bad(run_dtsim({"validate", scenario_file(dir), "--set", "/cluster/nodes=" + std::string(5000, '[') +
                                                                    std::string(5000, ']')}),
             "deeper than 128 levels", dir);
  std::string pointer;
  for (int i = 0; i < 5000; ++i) pointer += "/a";
  expect_bad(run_dtsim({"validate", scenario_file(dir), "--set", pointer + "=1"}), "deeper than 128 levels", dir);
  // 128 levels still parse (the value is then rejected as a value, not as a document).
  const std::string ok_depth = std::string(127, '[') + std::string(127, ']');
  auto r = run_dtsim({"validate", write_text(dir + "/ok.json", R"({"name":"x","cluster":{"nodes":2},"extra":)" + ok_depth + "}")});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "/extra: unknown key"));
}

TEST_CASE("robustness: bytes after a NUL and an empty --out are refused") {
  const std::string dir = make_temp_dir();
  json s = dtsim::test::base_scenario(2);
  s["output"]["dir"] = dir + "/out";
  const std::string nul = write_text(dir + "/nul.json", s.dump() + std::string(1, '\0') + "garbage");
  expect_bad(run_dtsim({"run", nul}), "NUL byte at offset", dir);
  expect_bad(run_dtsim({"run", scenario_file(dir), "--out", ""}), "--out \"\": is empty", dir);
}

TEST_CASE("robustness: 2^64-1 is printed as given, not as -1") {
  const std::string dir = make_temp_dir();
  auto r = run_dtsim({"validate", scenario_file(dir), "--set", "/cluster/nodes=18446744073709551615"});
  expect_bad(r, "/cluster/nodes: 18446744073709551615 is out of range", dir);
  CHECK_FALSE(contains(r.err, "-1 is"));
  auto seed = run_dtsim({"validate", scenario_file(dir), "--set", "/seed=18446744073709551615"});
  expect_bad(seed, "/seed: 18446744073709551615 is out of range", dir);
}

TEST_CASE("robustness: topo with an unwritable --dot is bad input") {
  const std::string dir = make_temp_dir();
  auto r = run_dtsim({"topo", "ring", "--nodes", "8", "--dot", dir + "/no-such-dir/g.dot"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--dot"));
  CHECK(contains(r.err, "does not exist"));
  CHECK(r.out.empty());  // refused before any work
  auto d = run_dtsim({"topo", "ring", "--nodes", "8", "--dot", dir});
  CHECK(d.exit_code == 2);
  CHECK(contains(d.err, "is a directory"));
}

TEST_CASE("robustness: the dataset path is checked when the scenario is validated") {
  const std::string dir = make_temp_dir();
  json s = json::parse(dtsim::test::read_file(std::string(DTSIM_SOURCE_DIR) + "/scenarios/decentralized_fashion_mnist.json"));
  s["workload"]["dataset"]["path"] = dir + "/no-dataset";
  s["output"]["dir"] = dir + "/out";
  const std::string file = write_text(dir + "/fm.json", s.dump());
  auto r = run_dtsim({"run", file});
  expect_bad(r, "/workload/dataset/path", dir);
  CHECK(contains(r.err, "no-dataset"));
  expect_bad(run_dtsim({"validate", file}), "/workload/dataset/path", dir);
}

TEST_CASE("robustness: the resolved scenario keeps stragglers and network overrides") {
  const std::string dir = make_temp_dir();
  json s = dtsim::test::base_scenario(4);
  s["stragglers"] = json::parse(R"({"rank_factors":[{"ranks":{"first":0,"last":1},"factor":1.5}],
                                    "slowdowns":[{"ranks":[2],"factor":3,"from":"1ms","to":"2ms"}]})");
  s["network"]["overrides"] = json::parse(R"([{"node":1,"bandwidth":"1Gbps"}])");
  auto r = run_dtsim({"validate", write_text(dir + "/s.json", s.dump())});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const json resolved = json::parse(r.out);
  CHECK(resolved["stragglers"]["rank_factors"] == json::parse(R"([{"ranks":{"first":0,"last":1},"factor":1.5}])"));
  CHECK(resolved["stragglers"]["slowdowns"] == json::parse(R"([{"ranks":[2],"factor":3.0,"from":0.001,"to":0.002}])"));
  CHECK(resolved["network"]["overrides"] == json::parse(R"([{"node":1,"bandwidth":125000000.0}])"));
}

TEST_CASE("robustness: fast fidelity reads SimGrid's latency factor as a double") {
  // latency_factor() read the double option "network/latency-factor" as a std::string (ASan:
  // allocation-size-too-big). Timing is unchanged: CM02's factor is 1, so a fast run still completes.
  const std::string dir = make_temp_dir();
  json s = dtsim::test::base_scenario(4);
  s["network"]["fidelity"] = "fast";
  s["output"]["dir"] = dir + "/out";
  auto r = run_dtsim({"run", write_text(dir + "/fast.json", s.dump()), "-q"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(file_exists(dir + "/out/summary.json"));
}
