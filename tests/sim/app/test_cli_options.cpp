// Every dtsim command's options (CLI11): --help exits 0, an unknown option is named and exits 2,
// --opt=value works, and `run` takes -q/--quiet and --json.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace {

using dtsim::test::run_dtsim;
using nlohmann::json;

using dtsim::test::contains;

const char* const kCommands[] = {"run", "validate", "sweep", "collective", "topo", "plot", "calibrate", "schema"};

std::string write_scenario(const std::string& dir) {
  json s = dtsim::test::base_scenario(2);
  s["run"]["iterations"] = 2;
  const std::string path = dir + "/scenario.json";
  std::ofstream(path) << s.dump(2);
  return path;
}

}  // namespace

TEST_CASE("app: every command's --help prints its usage and exits 0") {
  for (const char* command : kCommands) {
    CAPTURE(command);
    auto r = run_dtsim({command, "--help"});
    CHECK(r.exit_code == 0);
    CHECK_FALSE(r.out.empty());
    CHECK(r.err.empty());
  }
  auto top = run_dtsim({"--help"});
  CHECK(top.exit_code == 0);
  for (const char* command : kCommands) CHECK_MESSAGE(contains(top.out, std::string("  ") + command + " "), command);
}

TEST_CASE("app: an unknown option is named, one line, exit 2") {
  for (const char* command : kCommands) {
    CAPTURE(command);
    auto r = run_dtsim({command, "--frobnicate"});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "unknown option '--frobnicate'"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    auto with_value = run_dtsim({command, "--frobnicate=3"});
    CHECK(with_value.exit_code == 2);
    CHECK(contains(with_value.err, "unknown option '--frobnicate'"));
  }
  auto top = run_dtsim({"--frobnicate"});
  CHECK(top.exit_code == 2);
  CHECK(contains(top.err, "unknown option '--frobnicate'"));
  // Not "--foo needs a value": the option is unknown.
  CHECK(contains(run_dtsim({"collective", "--foo"}).err, "unknown option '--foo'"));
}

TEST_CASE("app: missing arguments and values exit 2 with a clear message") {
  auto run = run_dtsim({"run"});
  CHECK(run.exit_code == 2);
  CHECK(contains(run.err, "dtsim run: missing SCENARIO"));
  auto validate = run_dtsim({"validate"});
  CHECK(validate.exit_code == 2);
  CHECK(contains(validate.err, "dtsim validate: missing SCENARIO"));
  auto sweep = run_dtsim({"sweep"});
  CHECK(sweep.exit_code == 2);
  CHECK(contains(sweep.err, "dtsim sweep: missing SWEEP"));
  auto nodes = run_dtsim({"collective", "--nodes"});
  CHECK(nodes.exit_code == 2);
  CHECK(contains(nodes.err, "--nodes needs a value"));
}

TEST_CASE("app: run -q prints nothing and still writes the outputs") {
  const std::string dir = dtsim::test::make_temp_dir();
  const std::string file = write_scenario(dir);
  auto r = run_dtsim({"run", file, "-q", "--out", dir + "/q"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(dtsim::test::file_exists(dir + "/q/summary.json"));
  CHECK(dtsim::test::file_exists(dir + "/q/iterations.csv"));
  auto quiet = run_dtsim({"run", file, "--quiet", "--out=" + dir + "/quiet"});
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.out.empty());
  CHECK(dtsim::test::file_exists(dir + "/quiet/summary.json"));
}

TEST_CASE("app: run --json prints summary.json, and --out=DIR and --set=X work") {
  const std::string dir = dtsim::test::make_temp_dir();
  const std::string file = write_scenario(dir);
  auto r = run_dtsim({"run", file, "--json", "--out=" + dir + "/j", "--set=/run/iterations=3"});
  REQUIRE(r.exit_code == 0);
  const json printed = json::parse(r.out);  // throws (fails the test) unless valid JSON
  const json written = json::parse(dtsim::test::read_file(dir + "/j/summary.json"));
  CHECK(printed == written);
  CHECK(written["iterations"] == 3);
  auto v = run_dtsim({"validate", file, "--set=/cluster/nodes=3"});
  CHECK(v.exit_code == 0);
  CHECK(json::parse(v.out)["cluster"]["nodes"] == 3);
  auto t = run_dtsim({"topo", "ring", "--nodes=4", "--bytes=1MB"});
  CHECK(t.exit_code == 0);
  CHECK(contains(t.out, "ranks                       4\n"));
}
