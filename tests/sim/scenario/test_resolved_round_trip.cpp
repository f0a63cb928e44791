// The resolved scenario reads back: every key the resolver derives is accepted when it agrees with
// the derivation and reported, with its JSON path, when it contradicts it; "$schema" is allowed.
// (scripts/round_trip.py checks the whole loop on the shipped scenarios through the binary.)
#include <doctest/doctest.h>

#include "sim/engine/load_scenario.h"
#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

std::string errors_of(const json& scenario) {
  dtsim::ScenarioResult r = dtsim::parse_scenario(scenario);
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  return all;
}

using dtsim::test::contains;

// A catalog model (compute time from its published throughput) with checkpoints costed by bandwidth.
json catalog_scenario() {
  json s = dtsim::test::base_scenario(2);
  s["workload"] = {{"model", "resnet50"}};
  s["run"]["recovery"] = {{"interval", 2}, {"storage_bandwidth", "2GB/s"}};
  return s;
}

// A real model counted in epochs (iterations and params derived).
json epochs_scenario() {
  json s = dtsim::test::base_scenario(2);
  s["workload"] = dtsim::test::least_squares_workload(4, 16, 0.0, 0.1);
  s["run"] = {{"epochs", 2}, {"warmup_iterations", 0}};
  return s;
}

// Reads `scenario`, then its resolved form: both valid, and resolving again changes nothing.
void check_reads_back(const json& scenario) {
  dtsim::ScenarioResult first = dtsim::parse_scenario(scenario);
  REQUIRE(first.ok());
  dtsim::ScenarioResult second = dtsim::parse_scenario(first.scenario.resolved);
  INFO(errors_of(first.scenario.resolved));
  REQUIRE(second.ok());
  CHECK(second.scenario.resolved == first.scenario.resolved);
  CHECK(second.scenario.workload.compute_time == first.scenario.workload.compute_time);
  CHECK(second.scenario.workload.compute_time_source == first.scenario.workload.compute_time_source);
  CHECK(second.scenario.run.iterations == first.scenario.run.iterations);
}

}  // namespace

TEST_CASE("core: resolved scenarios read back unchanged (catalog model, epochs, derived checkpoint cost)") {
  check_reads_back(catalog_scenario());
  check_reads_back(epochs_scenario());
  check_reads_back(dtsim::test::base_scenario(4));
  dtsim::ScenarioResult r = dtsim::parse_scenario(catalog_scenario());
  REQUIRE(r.ok());
  CHECK(r.scenario.workload.compute_time_source == "measured throughput");
  // 25,557,032 params x 4 B / 2e9 B/s.
  CHECK(r.scenario.resolved["run"]["recovery"]["checkpoint_time"].get<double>() == 25557032.0 * 4 / 2e9);
}

TEST_CASE("core: a derived key that contradicts its derivation is reported with its path and the derived value") {
  json s = catalog_scenario();
  s["workload"]["compute_time_source"] = "given";  // but compute_time comes from the catalog
  s["run"]["recovery"]["checkpoint_time"] = "1s";  // but 102228128 B / 2 GB/s = 0.051114064 s
  std::string e = errors_of(s);
  CHECK(contains(e, "/workload/compute_time_source: \"given\" contradicts the source of workload.compute_time "
                    "(\"measured throughput\"); remove it (dtsim derives it)"));
  CHECK(contains(e, "/run/recovery/checkpoint_time: \"1s\" contradicts checkpoint_bytes / storage_bandwidth "
                    "(0.051114064)"));

  // Agreeing values are accepted, also a duration string for a derived time.
  s["workload"]["compute_time_source"] = "measured throughput";
  s["run"]["recovery"]["checkpoint_time"] = "51.114064ms";
  CHECK(errors_of(s).empty());

  // A compute_time of one's own is "given": the catalog's source then contradicts it.
  s["workload"]["compute_time"] = "100ms";
  e = errors_of(s);
  CHECK(contains(e, "/workload/compute_time_source: \"measured throughput\" contradicts the source of "
                    "workload.compute_time (\"given\")"));

  json epochs = epochs_scenario();
  epochs["run"]["iterations"] = 5;  // 2 epochs x 32 samples / (2 ranks x 16) = 2 iterations
  epochs["workload"]["params"] = 7;  // the linear model of dimension 4 has 4 parameters (no bias)
  e = errors_of(epochs);
  CHECK(contains(e, "/run/iterations: 5 contradicts run.epochs in iterations (2 x 32 samples / 32 per iteration, "
                    "rounded up) (2)"));
  CHECK(contains(e, "/workload/params: 7 contradicts the real model's parameter count (4)"));
  CHECK(contains(e, "or use \"proxy\" to charge another model's size"));
}

TEST_CASE("core: \"$schema\" is allowed (a string, kept in the resolved scenario), other types are not") {
  json s = dtsim::test::base_scenario(2);
  s["$schema"] = "../scenarios/scenario.schema.json";
  dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE(r.ok());
  CHECK(r.scenario.resolved["$schema"] == "../scenarios/scenario.schema.json");
  s["$schema"] = 3;
  CHECK(contains(errors_of(s), "/$schema: 3 is not a string; allowed: the schema's path or URL"));
}
