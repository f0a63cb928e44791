#include "sim/scenario/scenario.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "algorithms/collectives/collective.h"
#include "sim/scenario/catalog.h"
#include "sim/scenario/compute_model.h"
#include "sim/base/json_reader.h"
#include "sim/scenario/scenario_sections.h"
#include "sim/base/plugin_catalog.h"

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

void read_network(JsonReader& root, NetworkSpec& net, const OptionContext& context) {
  JsonReader r = root.object("network");
  net.topology = r.string("topology", std::string("switch"), plugin_family("topology").names());
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
  // The fabric's own keys (network.fat_tree, network.torus, ...), declared by the topology.
  const PluginFamily& topologies = plugin_family("topology");
  read_member_options(r, topologies, topologies.contains(net.topology) ? net.topology : std::string(), context);
  net.topology_options = OptionValues(r.resolved());
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

ScenarioResult read_scenario(const json& document) {
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

  const OptionContext context{s.seed, s.cluster.ranks(), s.cluster.gpus_per_node};
  read_network(root, s.network, context);
  read_workload(root, s);

  read_algorithm(root, s, context);
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

  // Values derived while reading, recorded so the resolved scenario states what actually runs.
  resolved["workload"]["params"] = s.workload.params;
  resolved["workload"]["compute_time_source"] = s.workload.compute_time_source;
  resolved["run"]["iterations"] = s.run.iterations;
  s.resolved = resolved;
  result.errors = errors.lines;
  return result;
}

std::string parse_override(const std::string& item, std::string& pointer, json& value) {
  const auto eq = item.find('=');
  if (eq == std::string::npos || item.empty() || item[0] != '/')
    return "expected /json/pointer=value, e.g. /cluster/nodes=8";
  pointer = item.substr(0, eq);
  const std::string text = item.substr(eq + 1);
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;  // a bare word such as 25Gbps is a string
  }
  return "";
}

void apply_overrides(json& document, const std::vector<std::string>& overrides, std::vector<std::string>& errors) {
  for (const std::string& item : overrides) {
    std::string pointer;
    json value;
    if (std::string e = parse_override(item, pointer, value); !e.empty()) {
      errors.push_back("--set " + item + ": " + e);
      continue;
    }
    try {
      document[json::json_pointer(pointer)] = value;
    } catch (const json::exception& e) {
      errors.push_back("--set " + item + ": " + e.what());
    }
  }
}

}  // namespace dtsim
