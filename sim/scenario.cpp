#include "sim/scenario.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/training_algorithm.h"
#include "sim/catalog.h"
#include "sim/compute_model.h"
#include "sim/json_reader.h"
#include "sim/scenario_sections.h"
#include "topologies/physical/physical_topology.h"

namespace dtsim {
namespace {

void read_gpu(JsonReader& cluster, GpuSpec& gpu) {
  const json* raw = cluster.raw("gpu");
  if (raw && raw->is_object()) {  // a custom GPU: its peak rate and efficiency
    JsonReader r = cluster.object("gpu");
    gpu.name = r.string("name", std::string("custom"));
    gpu.peak_flops = r.number("peak_flops", std::nullopt, 0, true);
    gpu.efficiency = r.number("efficiency", 0.3, 0, true, 1);
    r.reject_unknown_keys();
    return;
  }
  gpu.name = cluster.string("gpu", std::string("V100"), catalog_names("gpus"));
  if (!catalog()["gpus"].contains(gpu.name)) return;
  const json& entry = catalog()["gpus"][gpu.name];
  gpu.peak_flops = entry["peak_flops"].get<double>();
  gpu.efficiency = entry["efficiency"].get<double>();
}

void read_network(JsonReader& root, NetworkSpec& net) {
  JsonReader r = root.object("network");
  net.topology = r.string("topology", std::string("switch"), PhysicalTopologyRegistry::names());
  net.link.bandwidth = r.bandwidth("bandwidth", std::string("25Gbps"));
  net.link.latency = r.duration("latency", std::string("5us"));
  net.model = r.string("model", std::string("exact"), {"exact", "tcp"});
  JsonReader intra = r.object("intra_node");
  net.intra_node.bandwidth = intra.bandwidth("bandwidth", std::string("150GBps"));  // NVLink 2 class
  net.intra_node.latency = intra.duration("latency", std::string("1us"));
  intra.reject_unknown_keys();
  if (net.topology == "fat_tree" || r.has("fat_tree")) {
    JsonReader ft = r.object("fat_tree");
    auto to_unsigned = [](const std::vector<std::int64_t>& v) { return std::vector<unsigned>(v.begin(), v.end()); };
    net.fat_tree.down = to_unsigned(ft.integer_list("down", 1));
    net.fat_tree.up = to_unsigned(ft.integer_list("up", 1));
    net.fat_tree.links = to_unsigned(ft.integer_list("links", 1));
    ft.reject_unknown_keys();
    if (net.topology != "fat_tree")
      root.errors().add("/network/fat_tree", "is only allowed with \"topology\": \"fat_tree\"");
  }
  r.reject_unknown_keys();
}

}  // namespace

ScenarioResult parse_scenario(const json& document) {
  ScenarioResult result;
  Scenario& s = result.scenario;
  ErrorList errors;
  json resolved = json::object();
  JsonReader root(document, "", errors, resolved);

  s.name = root.string("name", std::nullopt);
  if (root.has("name") && s.name.empty()) errors.add("/name", "\"\" is not allowed; give the scenario a name");
  s.seed = static_cast<std::uint64_t>(root.integer("seed", 0, 0));

  JsonReader cluster = root.object("cluster");
  s.cluster.nodes = static_cast<int>(cluster.integer("nodes", std::nullopt, 1, 1 << 20));
  s.cluster.gpus_per_node = static_cast<int>(cluster.integer("gpus_per_node", 1, 1, 1024));
  read_gpu(cluster, s.cluster.gpu);
  cluster.reject_unknown_keys();

  read_network(root, s.network);
  read_workload(root, s);

  JsonReader algorithm = root.object("algorithm");
  s.algorithm.name = algorithm.string("name", std::string("allreduce"), TrainingAlgorithmRegistry::names());
  s.algorithm.collective = algorithm.string("collective", std::string("ring"), CollectiveRegistry::names());
  s.algorithm.servers = static_cast<int>(algorithm.integer("servers", 1, 1, 1 << 16));
  algorithm.reject_unknown_keys();

  JsonReader run = root.object("run");
  read_run_length(run, s);
  s.run.warmup_iterations = static_cast<int>(run.integer("warmup_iterations", 1, 0, 1 << 30));
  if (s.run.warmup_iterations >= s.run.iterations)
    errors.add("/run/warmup_iterations", std::to_string(s.run.warmup_iterations) +
                                             " leaves no measured iteration; allowed: less than run.iterations (" +
                                             std::to_string(s.run.iterations) + ")");
  run.reject_unknown_keys();

  JsonReader output = root.object("output");
  s.output.dir = output.string("dir", "out/" + (s.name.empty() ? std::string("run") : s.name));
  s.output.trace = output.boolean("trace", true);
  output.reject_unknown_keys();
  root.reject_unknown_keys();

  // Cross-field checks owned by the named algorithm and topology.
  if (errors.empty()) {
    auto algo = TrainingAlgorithmRegistry::create(s.algorithm.name);
    algo->validate(s, errors);
    auto topo = PhysicalTopologyRegistry::create(s.network.topology);
    topo->validate(s, algo->server_count(s), errors);
  }
  // Values derived while reading, recorded so the resolved scenario states what actually runs.
  resolved["workload"]["params"] = s.workload.params;
  resolved["workload"]["compute_time_source"] = s.workload.compute_time_source;
  resolved["run"]["iterations"] = s.run.iterations;
  s.resolved = resolved;
  result.errors = errors.lines;
  return result;
}

ScenarioResult load_scenario(const std::string& file, const std::vector<std::string>& overrides) {
  ScenarioResult result;
  std::ifstream in(file);
  if (!in) {
    result.errors.push_back(file + ": cannot open the scenario file");
    return result;
  }
  json document;
  try {
    document = json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    result.errors.push_back(file + ": not valid JSON: " + e.what());
    return result;
  }
  for (const std::string& item : overrides) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || item.empty() || item[0] != '/') {
      result.errors.push_back("--set " + item + ": expected /json/pointer=value, e.g. /cluster/nodes=8");
      continue;
    }
    json value;
    const std::string text = item.substr(eq + 1);
    try {
      value = json::parse(text);
    } catch (const json::parse_error&) {
      value = text;  // a bare word such as 25Gbps is a string
    }
    try {
      document[json::json_pointer(item.substr(0, eq))] = value;
    } catch (const json::exception& e) {
      result.errors.push_back("--set " + item + ": " + e.what());
    }
  }
  if (!result.errors.empty()) return result;
  return parse_scenario(document);
}

}  // namespace dtsim
