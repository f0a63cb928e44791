// Bad network entries are rejected with their JSON paths.
#include <doctest/doctest.h>

#include "sim/scenario/scenario.h"
#include "tests/topologies/physical/physical_support.h"
#include "sim/engine/load_scenario.h"

namespace pt = dtsim::physical_test;
using nlohmann::json;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
json base() { return pt::ring_scenario(4, 1000, 1.25e9, 5e-6); }
}  // namespace

TEST_CASE("physical: bad overrides are rejected with JSON paths") {
  json s = base();
  s["network"]["overrides"] = json::array({{{"node", 9}, {"bandwidth", "1Gbps"}},
                                           {{"nodes", {3, 1}}, {"latency", "1us"}},
                                           {{"node", 1}, {"bandwidth", "1Gbs"}},
                                           {{"node", 1}},
                                           {{"bandwidth", "1Gbps"}},
                                           {{"node", 0}, {"speed", 3}},
                                           "fast",
                                           {{"node", 0}, {"nic", 2}, {"bandwidth", 1e6}}});
  const std::string e = pt::errors_of(s);
  INFO(e);
  CHECK(contains(e, "/network/overrides/1/nodes: [3,1] is not a range; expected [first, last] with first <= last"));
  CHECK(contains(e, "/network/overrides/2/bandwidth: \"1Gbs\" is not a bandwidth"));
  CHECK(contains(e, "/network/overrides/3: changes nothing"));
  CHECK(contains(e, "/network/overrides/4: give exactly one of \"node\": N or \"nodes\": [first, last]"));
  CHECK(contains(e, "/network/overrides/5/speed: unknown key"));
  CHECK(contains(e, "/network/overrides/6: \"fast\" is not an object"));
  // Ranges against the cluster come with the topology checks, once the rest is valid.
  json t = base();
  t["network"]["overrides"] = json::array({{{"node", 9}, {"bandwidth", "1Gbps"}}, {{"node", 0}, {"nic", 2}, {"bandwidth", 1e6}}});
  const std::string e2 = pt::errors_of(t);
  INFO(e2);
  CHECK(contains(e2, "/network/overrides/0/node: 9 is out of range; allowed: machines 0 to 3"));
  CHECK(contains(e2, "/network/overrides/1/nic: 2 is out of range; allowed: 0 to 0"));
  t["network"]["overrides"] = json::object();
  CHECK(contains(pt::errors_of(t), "/network/overrides: {} is not an array"));
}

TEST_CASE("physical: bad NIC counts, intra-node kinds, fidelity and fabric parameters") {
  json s = base();
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["nics_per_node"] = 3;
  CHECK(contains(pt::errors_of(s), "/network/nics_per_node: 3 does not divide cluster.gpus_per_node (4)"));
  s["network"]["nics_per_node"] = 0;
  CHECK(contains(pt::errors_of(s), "/network/nics_per_node: 0 is out of range"));
  s = base();
  s["network"]["intra_node"] = {{"kind", "infiniband"}};
  CHECK(contains(pt::errors_of(s), "/network/intra_node/kind: \"infiniband\" is not allowed; allowed: \"nvlink\", \"pcie\""));
  s = base();
  s["network"]["fidelity"] = "exact";
  CHECK(contains(pt::errors_of(s), "/network/fidelity: \"exact\" is not allowed; allowed: \"step\", \"fast\", \"analytic\", \"auto\""));
  s = base();
  s["network"]["fidelity"] = "fast";
  dtsim::ScenarioResult ok = dtsim::parse_scenario(s);
  REQUIRE(ok.ok());
  CHECK(ok.scenario.network.fidelity == "fast");
  CHECK(dtsim::parse_scenario(base()).scenario.network.fidelity == "step");

  s = base();
  s["network"]["topology"] = "torus";
  CHECK(contains(pt::errors_of(s), "/network/torus/dims: is required"));
  s["network"]["torus"] = {{"dims", {2, 1}}};
  CHECK(contains(pt::errors_of(s), "/network/torus/dims: the torus has 2 positions (product of dims) but 4 NICs"));
  s["network"]["torus"] = {{"dims", {2, 2, 2, 2}}};
  CHECK(contains(pt::errors_of(s), "/network/torus/dims: has 4 dimensions; allowed: 1 to 3"));
  s["network"]["torus"] = {{"dims", {2, 0}}};
  CHECK(contains(pt::errors_of(s), "/network/torus/dims/1: 0 is not allowed"));

  s = base();
  s["network"]["topology"] = "dragonfly";
  s["network"]["dragonfly"] = {{"groups", {2}}, {"chassis", {1, 1}}, {"routers", {1, 1}}, {"nodes", 1}};
  CHECK(contains(pt::errors_of(s), "/network/dragonfly/groups: has 1 entries; expected [count, parallel links]"));
  s["network"]["dragonfly"] = {{"groups", {2, 1}}, {"chassis", {1, 1}}, {"routers", {1, 1}}, {"nodes", 1}};
  CHECK(contains(pt::errors_of(s), "/network/dragonfly: the dragonfly has 2 ports"));
  s["network"]["dragonfly"].erase("nodes");
  CHECK(contains(pt::errors_of(s), "/network/dragonfly/nodes: is required"));

  s = base();
  s["network"]["torus"] = {{"dims", {4}}};
  CHECK(contains(pt::errors_of(s), "/network/torus: is only meaningful for \"torus\"; remove it for \"switch\""));

  s = base();
  s["cluster"]["nodes"] = 4;
  s["network"]["nics_per_node"] = 1;
  s["network"]["topology"] = "fat_tree";
  s["cluster"]["gpus_per_node"] = 2;
  s["network"]["nics_per_node"] = 2;
  s["network"]["fat_tree"] = {{"down", {2, 2}}, {"up", {1, 1}}, {"links", {1, 1}}};
  CHECK(contains(pt::errors_of(s), "/network/fat_tree/down: the tree has 4 leaves (product of down) but 8 NICs"));
}
