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
  net.fidelity = r.string("fidelity", std::string("step"), {"step", "fast"});
  net.nics_per_node = static_cast<int>(r.integer("nics_per_node", 1, 1, 1024));
  // Intra-node links: a preset kind ("nvlink": NVLink 2 class, 150 GB/s per GPU, 1 us; "pcie":
  // PCIe 3.0 x16, 12 GB/s achievable, 2 us), each field overridable.
  auto read_intra = [](JsonReader& intra, LinkSpec& link, std::string& kind_out) {
    const std::string kind = intra.string("kind", std::string("nvlink"), {"nvlink", "pcie"});
    const bool pcie = kind == "pcie";
    link.bandwidth = intra.bandwidth("bandwidth", std::string(pcie ? "12GBps" : "150GBps"));
    link.latency = intra.duration("latency", std::string(pcie ? "2us" : "1us"));
    kind_out = kind;
    intra.reject_unknown_keys();
  };
  JsonReader intra = r.object("intra_node");
  read_intra(intra, net.intra_node, net.intra_node_kind);
  auto to_unsigned = [](const std::vector<std::int64_t>& v) { return std::vector<unsigned>(v.begin(), v.end()); };
  auto only_with = [&](const char* key, const char* topology) {
    if (net.topology != topology)
      root.errors().add(std::string("/network/") + key,
                        std::string("is only allowed with \"topology\": \"") + topology + "\"");
  };
  if (net.topology == "fat_tree" || r.has("fat_tree")) {
    JsonReader ft = r.object("fat_tree");
    net.fat_tree.down = to_unsigned(ft.integer_list("down", 1));
    net.fat_tree.up = to_unsigned(ft.integer_list("up", 1));
    net.fat_tree.links = to_unsigned(ft.integer_list("links", 1));
    ft.reject_unknown_keys();
    only_with("fat_tree", "fat_tree");
  }
  if (net.topology == "torus" || r.has("torus")) {
    JsonReader t = r.object("torus");
    net.torus.dims = to_unsigned(t.integer_list("dims", 1));
    if (net.torus.dims.size() > 3)
      root.errors().add("/network/torus/dims", "has " + std::to_string(net.torus.dims.size()) +
                                                   " dimensions; allowed: 1 to 3 (e.g. [4, 4] or [4, 4, 4])");
    t.reject_unknown_keys();
    only_with("torus", "torus");
  }
  if (net.topology == "dragonfly" || r.has("dragonfly")) {
    JsonReader d = r.object("dragonfly");
    auto pair = [&](const char* key, unsigned& count, unsigned& links) {
      const std::vector<std::int64_t> v = d.integer_list(key, 1);
      if (v.size() == 2) {
        count = static_cast<unsigned>(v[0]);
        links = static_cast<unsigned>(v[1]);
      } else if (!v.empty()) {
        root.errors().add(d.child_path(key), "has " + std::to_string(v.size()) +
                                                 " entries; expected [count, parallel links], e.g. [4, 1]");
      }
    };
    pair("groups", net.dragonfly.groups, net.dragonfly.global_links);
    pair("chassis", net.dragonfly.chassis, net.dragonfly.chassis_links);
    pair("routers", net.dragonfly.routers, net.dragonfly.router_links);
    net.dragonfly.nodes = static_cast<unsigned>(d.integer("nodes", std::nullopt, 1, 1 << 20));
    d.reject_unknown_keys();
    only_with("dragonfly", "dragonfly");
  }
  // Per-link overrides: [{"node": 3 | "nodes": [first, last], "nic": k, "bandwidth", "latency",
  // "intra_node": {...}}], later entries winning where they overlap. Node ranges are checked against
  // cluster.nodes by the topology's validate().
  if (const json* raw = r.raw("overrides")) {
    if (!raw->is_array()) {
      root.errors().add("/network/overrides", quote(*raw) + " is not an array; expected [{\"node\": 3, \"bandwidth\": \"1Gbps\"}, ...]");
    } else {
      for (size_t i = 0; i < raw->size(); ++i) {
        LinkOverride o;
        o.path = "/network/overrides/" + std::to_string(i);
        json resolved_entry = json::object();
        JsonReader e((*raw)[i], o.path, root.errors(), resolved_entry);
        if (!(*raw)[i].is_object()) continue;
        const bool has_node = e.has("node"), has_nodes = e.has("nodes");
        if (has_node == has_nodes) {
          root.errors().add(o.path, "give exactly one of \"node\": N or \"nodes\": [first, last]");
        } else if (has_node) {
          o.first_node = o.last_node = static_cast<int>(e.integer("node", std::nullopt, 0, (1 << 20) - 1));
        } else {
          const std::vector<std::int64_t> v = e.integer_list("nodes", 0);
          if (v.size() != 2 || v[0] > v[1])
            root.errors().add(o.path + "/nodes", quote((*raw)[i]["nodes"]) +
                                                     " is not a range; expected [first, last] with first <= last");
          else {
            o.first_node = static_cast<int>(v[0]);
            o.last_node = static_cast<int>(v[1]);
          }
        }
        if (e.has("nic")) o.nic = static_cast<int>(e.integer("nic", std::nullopt, 0, 1023));
        if (e.has("bandwidth")) o.bandwidth = e.bandwidth("bandwidth", std::nullopt);
        if (e.has("latency")) o.latency = e.duration("latency", std::nullopt);
        if (e.has("intra_node")) {
          if (o.nic >= 0) root.errors().add(o.path + "/intra_node", "applies to a whole machine; remove \"nic\"");
          JsonReader oi = e.object("intra_node");
          std::string kind;
          read_intra(oi, o.intra_node, kind);
          o.has_intra_node = true;
        }
        if (!e.has("bandwidth") && !e.has("latency") && !e.has("intra_node"))
          root.errors().add(o.path, "changes nothing; give \"bandwidth\", \"latency\" and/or \"intra_node\"");
        e.reject_unknown_keys();
        net.overrides.push_back(o);
      }
    }
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

  read_algorithm(root, s);
  read_stragglers(root, s);

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
  std::optional<json> read = read_json_file(file, "scenario", result.errors);
  if (!read) return result;
  json& document = *read;
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
