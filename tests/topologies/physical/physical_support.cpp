#include "tests/topologies/physical/physical_support.h"

#include <doctest/doctest.h>

#include <limits>

#include <simgrid/s4u.hpp>

#include "sim/app/child_process.h"
#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"
#include "sim/plugin/physical_topology.h"
#include "sim/plugin/training_algorithm.h"
#include "sim/engine/job_supervisor.h"
#include "sim/engine/load_scenario.h"

namespace sg4 = simgrid::s4u;

namespace dtsim::physical_test {

namespace {

// Builds the scenario's platform (its GPU ranks, then its servers) in a forked child, with no
// simulation, and returns what `inspect(scenario, hosts)` makes of it; a failure fails the test.
template <class Inspect>
nlohmann::json inspect_platform(const nlohmann::json& document, Inspect inspect) {
  ScenarioResult parsed = parse_scenario(document);
  for (const auto& e : parsed.errors) FAIL_CHECK("scenario error: " << e);
  REQUIRE(parsed.ok());
  nlohmann::json result = run_in_child_process([&] {
    int argc = 1;
    char name[] = "physical-test";
    char* argv[] = {name, nullptr};
    sg4::Engine engine(&argc, argv);
    engine.set_config("network/model:CM02");
    const Scenario& s = parsed.scenario;
    const int servers = TrainingAlgorithmRegistry::create(s.algorithm.name, s.algorithm.options)->server_count(s);
    const std::vector<sg4::Host*> hosts =
        PhysicalTopologyRegistry::create(s.network.topology, s.network.topology_options)->build(s, servers);
    return inspect(s, hosts);
  });
  if (result.contains("error")) FAIL("platform inspection failed: " << result["error"].get<std::string>());
  return result;
}

}  // namespace

nlohmann::json routes(const nlohmann::json& document, const std::vector<std::pair<int, int>>& pairs) {
  return inspect_platform(document, [&](const Scenario&, const std::vector<sg4::Host*>& hosts) {
    nlohmann::json out = nlohmann::json::array();
    for (auto [a, b] : pairs) {
      std::vector<sg4::Link*> links;
      double latency = 0;
      hosts.at(a)->route_to(hosts.at(b), links, &latency);
      nlohmann::json names = nlohmann::json::array();
      double min_bw = std::numeric_limits<double>::infinity();
      for (sg4::Link* l : links) {
        names.push_back(l->get_name());
        min_bw = std::min(min_bw, l->get_bandwidth());
      }
      out.push_back({{"links", names}, {"latency", latency}, {"min_bandwidth", min_bw}});
    }
    return nlohmann::json{{"routes", out}, {"hosts", hosts.size()}};
  });
}

std::vector<std::string> machine_link_names(const nlohmann::json& document, int machine) {
  const nlohmann::json names = inspect_platform(document, [&](const Scenario& s, const std::vector<sg4::Host*>& hosts) {
    nlohmann::json out = nlohmann::json::array();
    for (sg4::Link* l : machine_network_links(hosts, s.cluster.gpus_per_node, s.cluster.nodes, machine))
      out.push_back(l->get_name());
    return out;
  });
  return names.get<std::vector<std::string>>();
}

std::string errors_of(const nlohmann::json& scenario) {
  ScenarioResult r = parse_scenario(scenario);
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  return all;
}

nlohmann::json ring_scenario(int nodes, double bytes, double bandwidth, double latency) {
  nlohmann::json s = dtsim::test::base_scenario(nodes);
  s["network"]["bandwidth"] = bandwidth;
  s["network"]["latency"] = latency;
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", 0}};
  return s;
}

double iteration_time(const nlohmann::json& scenario) {
  return dtsim::test::simulate(scenario)["iteration_time_s"].get<double>();
}

}  // namespace dtsim::physical_test
