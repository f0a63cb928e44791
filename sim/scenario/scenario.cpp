#include "sim/scenario/scenario.h"

#include <cstdio>
#include <limits>
#include <fstream>
#include <sstream>

#include "sim/scenario/catalog.h"
#include "sim/scenario/compute_model.h"
#include "sim/base/json_input.h"
#include "sim/base/json_reader.h"
#include "sim/scenario/scenario_sections.h"
#include "sim/base/plugin_catalog.h"

namespace dtsim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void read_gpu(JsonReader& cluster, GpuSpec& gpu) {
  const json* raw = cluster.raw("gpu");
  if (raw && raw->is_object()) {  // a custom GPU: its peak rate and efficiency
    JsonReader r = cluster.object("gpu");
    gpu.name = r.string("name", std::string("custom"));
    gpu.peak_flops = r.number("peak_flops", std::nullopt, 0, true);
    gpu.efficiency = r.number("efficiency", 0.3, 0, true, 1);
    gpu.custom = true;
    r.reject_unknown_keys();
    return;
  }
  gpu.name = cluster.string("gpu", std::string("V100"), catalog_names("gpus"));
  if (!catalog()["gpus"].contains(gpu.name)) return;
  const json& entry = catalog()["gpus"][gpu.name];
  gpu.peak_flops = entry["peak_flops"]["fp16"].get<double>();  // the workload's precision resolves it
  gpu.efficiency = entry["efficiency"].get<double>();
}

json gpu_schema() {
  json custom = options_schema({Option::text("name", std::string("custom"), ""),
                                Option::number("peak_flops", std::nullopt, 0, true, kInf, "FLOP/s."),
                                Option::number("efficiency", 0.3, 0, true, 1, "")});
  json named = option_schema(Option::choice("gpu", std::nullopt, catalog_names("gpus"), "Catalog GPU."));
  return {{"default", "V100"}, {"oneOf", json::array({named, custom})}};
}

OptionList cluster_options(ClusterSpec& c) {
  return {Option::integer("nodes", std::nullopt, 1, 1 << 20, "Machines.").bind(c.nodes),
          Option::integer("gpus_per_node", 1, 1, 1024, "").bind(c.gpus_per_node),
          Option::custom("gpu", gpu_schema, [&c](JsonReader& r, const OptionContext&) { read_gpu(r, c.gpu); },
                         "A catalog GPU name, or {\"peak_flops\", \"efficiency\"} for a custom one.")};
}

// Intra-node links: a preset kind ("nvlink": NVLink 2 class, 150 GB/s per GPU, 1 us; "pcie":
// PCIe 3.0 x16, 12 GB/s achievable, 2 us), each field overridable.
void read_intra(JsonReader& intra, LinkSpec& link, std::string& kind_out) {
  const std::string kind = intra.string("kind", std::string("nvlink"), {"nvlink", "pcie"});
  const bool pcie = kind == "pcie";
  link.bandwidth = intra.bandwidth("bandwidth", std::string(pcie ? "12GBps" : "150GBps"));
  link.latency = intra.duration("latency", std::string(pcie ? "2us" : "1us"));
  kind_out = kind;
  intra.reject_unknown_keys();
}

json intra_node_schema(const std::string& help) {
  json s = {{"type", "object"}, {"additionalProperties", false}};
  s["properties"] = {
      {"kind", option_schema(Option::choice("kind", std::string("nvlink"), {"nvlink", "pcie"}, ""))},
      {"bandwidth", option_schema(Option::bandwidth("bandwidth", std::nullopt, "Default: 150GBps (nvlink), 12GBps (pcie)."))},
      {"latency", option_schema(Option::duration("latency", std::nullopt, "Default: 1us (nvlink), 2us (pcie)."))}};
  s["description"] = help;
  return s;
}

// Per-link overrides: [{"node": 3 | "nodes": [first, last], "nic": k, "bandwidth", "latency",
// "intra_node": {...}}], later entries winning where they overlap. Node ranges are checked against
// cluster.nodes by the topology's validate().
void read_overrides(JsonReader& r, NetworkSpec& net) {
  const json* raw = r.raw("overrides");
  if (!raw) return;
  if (!raw->is_array()) {
    r.errors().add("/network/overrides", quote(*raw) + " is not an array; expected [{\"node\": 3, \"bandwidth\": \"1Gbps\"}, ...]");
    return;
  }
  for (size_t i = 0; i < raw->size(); ++i) {
    LinkOverride o;
    o.path = "/network/overrides/" + std::to_string(i);
    json resolved_entry = json::object();
    JsonReader e((*raw)[i], o.path, r.errors(), resolved_entry);
    if (!(*raw)[i].is_object()) continue;
    const bool has_node = e.has("node"), has_nodes = e.has("nodes");
    if (has_node == has_nodes) {
      r.errors().add(o.path, "give exactly one of \"node\": N or \"nodes\": [first, last]");
    } else if (has_node) {
      o.first_node = o.last_node = static_cast<int>(e.integer("node", std::nullopt, 0, (1 << 20) - 1));
    } else {
      const std::vector<std::int64_t> v = e.integer_list("nodes", 0);
      if (v.size() != 2 || v[0] > v[1])
        r.errors().add(o.path + "/nodes", quote((*raw)[i]["nodes"]) +
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
      if (o.nic >= 0) r.errors().add(o.path + "/intra_node", "applies to a whole machine; remove \"nic\"");
      JsonReader oi = e.object("intra_node");
      std::string kind;
      read_intra(oi, o.intra_node, kind);
      o.has_intra_node = true;
    }
    if (!e.has("bandwidth") && !e.has("latency") && !e.has("intra_node"))
      r.errors().add(o.path, "changes nothing; give \"bandwidth\", \"latency\" and/or \"intra_node\"");
    e.reject_unknown_keys();
    r.resolved()["overrides"].push_back(resolved_entry);  // the resolved scenario states every override
    net.overrides.push_back(o);
  }
}

json overrides_schema() {
  json entry = {{"type", "object"}, {"additionalProperties", false}};
  json nodes = option_schema(Option::integer_list("nodes", 0, "[first, last], inclusive"));
  nodes["minItems"] = nodes["maxItems"] = 2;
  entry["properties"] = {
      {"node", option_schema(Option::integer("node", std::nullopt, 0, (1 << 20) - 1, ""))},
      {"nodes", nodes},
      {"nic", option_schema(Option::integer("nic", std::nullopt, 0, 1023, ""))},
      {"bandwidth", option_schema(Option::bandwidth("bandwidth", std::nullopt, ""))},
      {"latency", option_schema(Option::duration("latency", std::nullopt, ""))},
      {"intra_node", intra_node_schema("This machine's intra-node links.")}};
  entry["oneOf"] = json::array({{{"required", {"node"}}}, {{"required", {"nodes"}}}});
  entry["anyOf"] = json::array({{{"required", {"bandwidth"}}}, {{"required", {"latency"}}}, {{"required", {"intra_node"}}}});
  return {{"type", "array"}, {"items", entry}};
}

// /network's own keys (the fabric's keys are the topology's, declared by each topology); overrides last.
OptionList network_options(NetworkSpec& net) {
  return {
      Option::member("topology", "topology", std::string("switch"), "The physical fabric.").bind(net.topology),
      Option::bandwidth("bandwidth", std::string("25Gbps"), "Every NIC / fabric link (each direction).")
          .bind(net.link.bandwidth),
      Option::duration("latency", std::string("5us"), "Per link; a switch route has two, a torus route one per hop.")
          .bind(net.link.latency),
      Option::choice("model", std::string("exact"), {"exact", "tcp"},
                     "exact: pure alpha-beta (SimGrid CM02); tcp: CM02 plus SimGrid LV08's TCP factors (latency "
                     "x13.01, bandwidth x0.97) on inter-node messages when link_layer is ethernet.")
          .bind(net.model),
      Option::choice("link_layer", std::string("ethernet"), {"ethernet", "roce", "infiniband"},
                     "Transport of the NICs and fabric: ethernet (TCP/IP sockets: TCP factors under model tcp), "
                     "roce (RDMA over Converged Ethernet) or infiniband (RDMA: never TCP factors).")
          .bind(net.link_layer),
      Option::text("profile", std::string(""),
                   "A calibrated network model (dtsim calibrate): a shipped profile name or a profile file path. "
                   "Per tier (intra_node, inter_node): bandwidth x efficiency, latency + overhead per message; "
                   "tiers it gives replace the tcp factors. \"\": none.")
          .bind(net.profile)
          .then([&net](JsonReader& r, const json&) {
            if (!net.profile.empty()) net.calibration = load_network_profile(net.profile, r.child_path("profile"), r.errors());
          }),
      Option::choice("fidelity", std::string("step"), {"step", "fast", "analytic", "auto"},
                     "Collectives: step (every message simulated), fast (aggregated flows), analytic (each "
                     "collective's exact closed form, and the synchronous parameter server's; only on a "
                     "contention-free switch with no rank perturbed) or auto (analytic where it applies, else "
                     "step).")
          .bind(net.fidelity),
      Option::choice("solver", std::string("full"), {"full", "lazy"},
                     "SimGrid's bandwidth sharing: full (every max-min solve complete) or lazy (SimGrid 3.32's "
                     "incremental updates: much faster with thousands of flows ending at different instants, "
                     "but wrong where flows start together in their latency phase and share links; see "
                     "docs/networks.md).")
          .bind(net.solver),
      Option::integer("nics_per_node", 1, 1, 1024,
                      "NICs per machine (must divide cluster.gpus_per_node); GPU g uses NIC g / (gpus_per_node / "
                      "nics_per_node).")
          .bind(net.nics_per_node),
      Option::custom("intra_node",
                     [] {
                       return intra_node_schema("GPU links inside a machine: a preset kind (nvlink: 150GBps, 1us; "
                                                "pcie: PCIe 3.0 x16, 12GBps, 2us), each field overridable.");
                     },
                     [&net](JsonReader& r, const OptionContext&) {
                       JsonReader intra = r.object("intra_node");
                       read_intra(intra, net.intra_node, net.intra_node_kind);
                     },
                     ""),
      Option::custom("overrides", overrides_schema, [&net](JsonReader& r, const OptionContext&) { read_overrides(r, net); },
                     "Per-machine link overrides, later entries winning: NIC bandwidth/latency (all NICs, or one "
                     "with nic) and/or intra-node links."),
  };
}

void read_network(JsonReader& root, NetworkSpec& net, const OptionContext& context) {
  JsonReader r = root.object("network");
  const OptionList own = network_options(net);
  read_options(r, OptionList(own.begin(), own.end() - 1), context);
  // The fabric's own keys (network.fat_tree, network.torus, ...), declared by the topology.
  const PluginFamily& topologies = plugin_family("topology");
  read_member_options(r, topologies, topologies.contains(net.topology) ? net.topology : std::string(), context);
  net.topology_options = OptionValues(r.resolved());
  read_options(r, OptionList(own.end() - 1, own.end()), context);
  r.reject_unknown_keys();
}

Option network_section(NetworkSpec& net) {
  auto schema = [] {
    NetworkSpec unused;  // the declarations only, for their schemas
    return member_section_schema(plugin_family("topology"), network_options(unused), "topology", "switch", "");
  };
  return Option::custom("network", schema,
                        [&net](JsonReader& root, const OptionContext& context) { read_network(root, net, context); },
                        "");
}

OptionList run_options(Scenario& s) {
  auto run_length = [&s](JsonReader& run, const OptionContext&) { read_run_length(run, s); };
  return {
      Option::custom("iterations", [] { return option_schema(Option::integer("iterations", 10, 1, 1 << 30, "")); },
                     run_length, ""),
      Option::custom("epochs", [] { return option_schema(Option::number("epochs", std::nullopt, 0, true, kInf, "")); },
                     [](JsonReader&, const OptionContext&) {},  // read with iterations
                     "Instead of iterations (real models only)."),
      Option::number("target_accuracy", 0.0, 0, false, 1, "Stop once the test accuracy reaches it (0: never).")
          .bind(s.run.target_accuracy)
          .then([&s](JsonReader& run, const json&) {
            if (s.run.target_accuracy > 0 && !s.workload.numerics.enabled)
              run.errors().add(run.child_path("target_accuracy"), "needs a real classifier (workload.model "
                                                                  "softmax_regression or mlp)");
          }),
      Option::boolean("stop_at_target", true, "Stop once target_accuracy is reached (synchronous algorithms).")
          .bind(s.run.stop_at_target),
      Option::integer("eval_every", 0, 0, std::numeric_limits<std::int64_t>::max(),
                      "Evaluate every N iterations (0: only after the last).")
          .bind(s.workload.numerics.eval_every),
      Option::duration("eval_time", std::string("0"), "Simulated time each rank spends per evaluation (0: free).")
          .bind(s.workload.numerics.eval_time),
      Option::boolean("eval_ranks", false, "Decentralized: also evaluate every rank's own model (accuracy spread).")
          .bind(s.workload.numerics.eval_ranks),
      recovery_option(s),
      Option::integer("warmup_iterations", 1, 0, 1 << 30, "Iterations left out of the measured averages.")
          .bind(s.run.warmup_iterations)
          .then([&s](JsonReader& run, const json&) {
            if (s.run.warmup_iterations >= s.run.iterations)
              run.errors().add(run.child_path("warmup_iterations"),
                               std::to_string(s.run.warmup_iterations) +
                                   " leaves no measured iteration; allowed: less than run.iterations (" +
                                   std::to_string(s.run.iterations) + ")");
          }),
  };
}

// output.trace: true, false or "gzip".
void read_trace_option(JsonReader& r, OutputSpec& o) {
  const json* value = r.raw("trace");
  json resolved = true;
  if (value && (value->is_boolean() || *value == "gzip")) resolved = *value;
  else if (value)
    r.errors().add(r.child_path("trace"), quote(*value) + " is not allowed; allowed: true, false, \"gzip\"");
  o.trace = resolved != false;
  o.trace_gzip = resolved == "gzip";
  r.resolved()["trace"] = resolved;
}

OptionList output_options(OutputSpec& o) {
  return {Option::text("dir", std::nullopt, "Where the run's files go.")
              .default_from([](const OptionContext& c) { return "out/" + (c.name.empty() ? std::string("run") : c.name); },
                            "out/<name>")
              .bind(o.dir),
          Option::custom(
              "trace",
              [] {
                return json{{"description", "Write trace.json (true), nothing (false), or trace.json.gz (\"gzip\")."},
                            {"oneOf", json::array({{{"type", "boolean"}}, {{"const", "gzip"}}})},
                            {"default", true}};
              },
              [&o](JsonReader& r, const OptionContext&) { read_trace_option(r, o); }, ""),
          Option::boolean("links", true,
                          "Write links.csv (per-link bytes, busy time, utilisation) and the bottleneck links in "
                          "summary.json.")
              .bind(o.links)};
}

}  // namespace

OptionList scenario_options(Scenario& s, OptionContext& context) {
  return {
      Option::text("name", std::nullopt, "Names the run; default output dir is out/<name>.")
          .bind(s.name)
          .then([&s, &context](JsonReader& root, const json&) {
            if (root.has("name") && s.name.empty())
              root.errors().add("/name", "\"\" is not allowed; give the scenario a name");
            context.name = s.name;
          }),
      Option::integer("seed", 0, 0, std::numeric_limits<std::int64_t>::max(), "Seed of every random choice.")
          .then([&s, &context](JsonReader&, const json& value) {
            s.seed = static_cast<std::uint64_t>(value.get<std::int64_t>());
            context.seed = s.seed;
          }),
      Option::object("cluster", cluster_options(s.cluster), "The machines.")
          .then([&s, &context](JsonReader&, const json&) {
            context.ranks = s.cluster.ranks();
            context.gpus_per_node = s.cluster.gpus_per_node;
          }),
      network_section(s.network),
      workload_section(s),
      algorithm_section(s),
      stragglers_section(s),
      failures_section(s),
      Option::object("run", run_options(s), "How long to run."),
      Option::object("output", output_options(s.output), "What to write."),
  };
}

ScenarioResult read_scenario(const json& document) {
  ScenarioResult result;
  Scenario& s = result.scenario;
  ErrorList errors;
  json resolved = json::object();
  JsonReader root(document, "", errors, resolved);

  OptionContext context;
  read_options(root, scenario_options(s, context), context);
  // "$schema" tells an editor where scenarios/scenario.schema.json is; kept in the resolved scenario.
  if (const json* schema = root.raw("$schema")) {
    if (schema->is_string()) resolved["$schema"] = *schema;
    else errors.add("/$schema", quote(*schema) + " is not a string; allowed: the schema's path or URL, e.g. "
                                                 "\"scenario.schema.json\"");
  }
  root.reject_unknown_keys();

  // Values derived while reading (workload.params of a real model, compute_time_source, run.iterations
  // from epochs) are recorded by their readers (JsonReader::derived), which also accept them back.
  s.resolved = resolved;
  result.errors = errors.lines;
  return result;
}

std::string parse_override(const std::string& item, std::string& pointer, json& value) {
  const auto eq = item.find('=');
  if (eq == std::string::npos || item.empty() || item[0] != '/')
    return "expected /json/pointer=value, e.g. /cluster/nodes=8";
  // Keys and strings must be UTF-8: nlohmann::json cannot print anything else.
  if (std::string e = utf8_problem(item); !e.empty()) return e;
  pointer = item.substr(0, eq);
  const std::string text = item.substr(eq + 1);
  ParsedJson parsed = parse_json_text(text, /*allow_comments=*/false);
  if (parsed.value) value = std::move(*parsed.value);
  else if (parsed.syntax_error) value = text;  // a bare word such as 25Gbps is a string
  else return "the value " + parsed.error;
  return "";
}

void apply_overrides(json& document, const std::vector<std::string>& overrides, std::vector<std::string>& errors) {
  for (const std::string& item : overrides) {
    std::string pointer;
    json value;
    if (std::string e = parse_override(item, pointer, value); !e.empty()) {
      errors.push_back("--set " + shown_text(item) + ": " + e);
      continue;
    }
    if (std::string e = settable_pointer_problem(document, pointer); !e.empty()) {
      errors.push_back("--set " + item + ": " + pointer + " " + e);
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
