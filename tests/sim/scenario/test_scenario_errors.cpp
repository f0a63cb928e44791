// Every class of bad input is rejected before anything runs, one line per problem naming the JSON
// path, the bad value and what is allowed.
#include <doctest/doctest.h>

#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"
#include "sim/engine/load_scenario.h"

namespace {

using nlohmann::json;

// The errors for `scenario`, joined, after checking there is at least one.
std::string errors_of(const json& scenario) {
  dtsim::ScenarioResult r = dtsim::parse_scenario(scenario);
  REQUIRE_FALSE(r.ok());
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  return all;
}

using dtsim::test::contains;

}  // namespace

TEST_CASE("core: the base scenario is valid and resolves defaults") {
  dtsim::ScenarioResult r = dtsim::parse_scenario(dtsim::test::base_scenario(4));
  REQUIRE(r.ok());
  CHECK(r.scenario.network.link.bandwidth == doctest::Approx(1.25e9));
  CHECK(r.scenario.network.link.latency == doctest::Approx(2e-6));
  CHECK(r.scenario.cluster.gpus_per_node == 1);
  CHECK(r.scenario.resolved["algorithm"]["name"] == "allreduce");
  CHECK(r.scenario.resolved["network"]["bandwidth"].get<double>() == doctest::Approx(1.25e9));
  CHECK(r.scenario.output.dir == "out/test");
}

TEST_CASE("core: catalog model fills params and compute time") {
  json s = dtsim::test::base_scenario(2);
  s["workload"] = {{"model", "resnet50"}, {"batch_per_gpu", 64}};
  s["cluster"]["gpu"] = "V100";
  dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE(r.ok());
  CHECK(r.scenario.workload.params == 25557032);
  CHECK(r.scenario.workload.compute_time == doctest::Approx(64.0 / 1200));  // measured throughput
  // P100 has no mixed-precision figure: FLOP model at its fp16 peak (21.2 TFLOP/s, CUDA cores, twice
  // fp32) with ResNet-50's fp32 efficiency measured on P100 (219 samples/s at 10.6 TFLOP/s).
  s["cluster"]["gpu"] = "P100";
  r = dtsim::parse_scenario(s);
  REQUIRE(r.ok());
  CHECK(r.scenario.workload.compute_time == doctest::Approx(64 / (2 * 219.0)));
  CHECK(r.scenario.workload.compute_time_source == "FLOP model");
}

TEST_CASE("core: unknown keys are rejected with the keys allowed") {
  json s = dtsim::test::base_scenario(2);
  s["network"]["bandwith"] = "10Gbps";
  s["colour"] = "blue";
  const std::string e = errors_of(s);
  CHECK(contains(e, "/network/bandwith: unknown key; allowed here:"));
  CHECK(contains(e, "\"bandwidth\""));
  CHECK(contains(e, "/colour: unknown key"));
}

TEST_CASE("core: wrong types are rejected") {
  json s = dtsim::test::base_scenario(2);
  s["cluster"]["nodes"] = "four";
  s["output"]["trace"] = "yes";
  s["network"] = {{"topology", 3}};
  const std::string e = errors_of(s);
  CHECK(contains(e, "/cluster/nodes: \"four\" is not an integer"));
  CHECK(contains(e, "/output/trace: \"yes\" is not allowed; allowed: true, false, \"gzip\""));
  CHECK(contains(e, "/network/topology: 3 is not a string; allowed: "));
  CHECK(contains(e, "\"fat_tree\", "));
}

TEST_CASE("core: bad units are rejected with an example") {
  json s = dtsim::test::base_scenario(2);
  s["network"]["bandwidth"] = "25Gbs";
  s["network"]["latency"] = "5 parsecs";
  s["workload"]["compute_time"] = "fast";
  const std::string e = errors_of(s);
  CHECK(contains(e, "/network/bandwidth: \"25Gbs\" is not a bandwidth; allowed: a number in bytes/s, or a number "
                    "with a unit: bits per second (bps, b/s, bit/s) or bytes per second (Bps, B/s)"));
  CHECK(contains(e, "/network/latency: \"5 parsecs\" is not a duration"));
  CHECK(contains(e, "/workload/compute_time: \"fast\" is not a duration"));
}

TEST_CASE("core: out-of-range values are rejected") {
  json s = dtsim::test::base_scenario(2);
  s["cluster"]["nodes"] = 0;
  s["network"]["bandwidth"] = -5;
  s["workload"]["bytes_per_param"] = 0;
  const std::string e = errors_of(s);
  CHECK(contains(e, "/cluster/nodes: 0 is out of range; allowed: 1 to"));
  CHECK(contains(e, "/network/bandwidth: -5 is out of range; allowed: > 0"));
  CHECK(contains(e, "/workload/bytes_per_param: 0 is out of range; allowed: numbers > 0"));
}

TEST_CASE("core: unknown names list the allowed ones") {
  json s = dtsim::test::base_scenario(2);
  s["algorithm"] = {{"name", "gossip"}, {"collective", "carrier-pigeon"}};
  s["workload"] = {{"model", "resnet5000"}};
  const std::string e = errors_of(s);
  // The allowed lists are the registries' names (sorted), so they grow as algorithms are added.
  CHECK(contains(e, "/algorithm/name: \"gossip\" is not allowed; allowed: \"ad_psgd\", \"allreduce\", "));
  CHECK(contains(e, "\"parameter_server\""));
  CHECK(contains(e, "/algorithm/collective: \"carrier-pigeon\" is not allowed; allowed: "));
  CHECK(contains(e, "\"ring\""));
  CHECK(contains(e, "/workload/model: \"resnet5000\" is not allowed; allowed:"));
}

TEST_CASE("core: inconsistent combinations are rejected") {
  json s = dtsim::test::base_scenario(8);
  s["run"] = {{"iterations", 3}, {"warmup_iterations", 3}};
  CHECK(contains(errors_of(s), "/run/warmup_iterations: 3 leaves no measured iteration"));

  s = dtsim::test::base_scenario(8);
  s["network"]["topology"] = "fat_tree";
  s["network"]["fat_tree"] = {{"down", {2, 2}}, {"up", {1, 2}}, {"links", {1, 1}}};
  CHECK(contains(errors_of(s), "/network/fat_tree/down: the tree has 4 leaves"));

  s = dtsim::test::base_scenario(4);
  s["network"]["fat_tree"] = {{"down", {2, 2}}, {"up", {1, 2}}, {"links", {1, 1}}};
  CHECK(contains(errors_of(s), "/network/fat_tree: is only meaningful for \"fat_tree\"; remove it for \"switch\""));

  s = dtsim::test::base_scenario(4);
  s["workload"] = {{"bytes_per_param", 4}};  // no catalog model: params and compute_time required
  const std::string e = errors_of(s);
  CHECK(contains(e, "/workload/params: is required"));
  CHECK(contains(e, "/workload/compute_time: is required"));
}

TEST_CASE("core: missing required fields and non-objects") {
  const std::string e = errors_of(json{{"cluster", 5}});
  CHECK(contains(e, "/name: is required"));
  CHECK(contains(e, "/cluster: 5 is not an object"));
}
