// /algorithm/graph: each graph generator owns its keys (topologies/logical/*.cpp). A key of another
// graph is an "only meaningful for" error naming its path and owners; owned keys are range-checked and
// defaulted from the scenario; the resolved keys become the generator's Params.
#include <doctest/doctest.h>

#include "sim/base/plugin_catalog.h"
#include "sim/engine/load_scenario.h"
#include "tests/support/test_support.h"
#include "topologies/logical/registry.h"

namespace {

using nlohmann::json;

// 8 ranks (4 machines of 2 GPUs), D-SGD on a timing workload over `graph`.
dtsim::ScenarioResult with_graph(const json& graph) {
  json s = dtsim::test::base_scenario(4);
  s["cluster"]["gpus_per_node"] = 2;
  s["seed"] = 42;
  s["workload"] = {{"params", 1000}, {"bytes_per_param", 4}, {"compute_time", 0.01}};
  s["algorithm"] = {{"name", "dsgd"}, {"graph", graph}};
  return dtsim::parse_scenario(s);
}

}  // namespace

TEST_CASE("graph options: a key the named graph does not own is rejected with its path and owners") {
  dtsim::ScenarioResult r = with_graph({{"name", "ring"}, {"rows", 2}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "/algorithm/graph/rows: is only meaningful for \"grid\", \"torus\"; remove it for \"ring\"");
  r = with_graph({{"name", "erdos_renyi"}, {"per_node", 2}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "/algorithm/graph/per_node: is only meaningful for \"hierarchical\", \"inner_outer_exponential\", "
                       "\"inner_outer_ring\"; remove it for \"erdos_renyi\"");
  r = with_graph({{"name", "torus"}, {"directed", true}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "/algorithm/graph/directed: is only meaningful for \"edge_list\"; remove it for \"torus\"");
  r = with_graph({{"name", "ring"}, {"colour", "blue"}});  // owned by no graph: an unknown key
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].rfind("/algorithm/graph/colour", 0) == 0);
}

TEST_CASE("graph options: owned keys are range-checked, and weights belong to every graph") {
  dtsim::ScenarioResult r = with_graph({{"name", "erdos_renyi"}, {"p", 1.5}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].rfind("/algorithm/graph/p: 1.5 ", 0) == 0);
  CHECK(with_graph({{"name", "torus"}, {"rows", 2}, {"weights", "uniform"}}).ok());
  CHECK(with_graph({{"name", "ring"}, {"weights", "metropolis"}}).ok());
}

TEST_CASE("graph options: defaults come from the scenario and reach the generator's Params") {
  dtsim::ScenarioResult r = with_graph({{"name", "erdos_renyi"}, {"p", 0.75}});
  REQUIRE(r.ok());
  const dtsim::OptionValues graph = r.scenario.algorithm.options.object("graph");
  CHECK(graph.integer("seed") == 42);  // the scenario seed
  CHECK_FALSE(graph.has("rows"));      // only the named graph's keys are resolved
  const dtsim::logical::Params p = dtsim::logical::params_from(graph);
  CHECK(p.p == 0.75);
  CHECK(p.seed == 42);

  r = with_graph({{"name", "hierarchical"}});
  REQUIRE(r.ok());
  CHECK(dtsim::logical::params_from(r.scenario.algorithm.options.object("graph")).per_node == 2);  // gpus_per_node

  r = with_graph({{"name", "torus"}, {"rows", 2}});
  REQUIRE(r.ok());
  const dtsim::logical::Params torus = dtsim::logical::params_from(r.scenario.algorithm.options.object("graph"));
  CHECK(torus.rows == 2);
  // 2 x 4 torus: along the rows of 2, i+1 = i-1 (one neighbour); along the columns of 4, two: degree 3.
  const dtsim::logical::Topology t = dtsim::logical::make_topology("torus", 8, torus);
  CHECK(t.send_peers(0, 0).size() == 3);
}

TEST_CASE("graph options: the graph family lists every generator with the keys it declares") {
  const dtsim::PluginFamily& graphs = dtsim::plugin_family(dtsim::logical::kGraphFamily);
  CHECK(graphs.names() == dtsim::logical::topology_names());
  CHECK(graphs.owners_of("rows") == std::vector<std::string>{"grid", "torus"});
  CHECK(graphs.owners_of("p") == std::vector<std::string>{"erdos_renyi"});
  CHECK(graphs.at("ring").options.empty());
}
