#include <algorithm>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/training_algorithm.h"
#include "sim/scenario_sections.h"
#include "topologies/logical/weights.h"

namespace dtsim {
namespace {

void read_graph(JsonReader& algorithm, Scenario& s) {
  JsonReader r = algorithm.object("graph");
  GraphSpec& g = s.algorithm.graph;
  g.name = r.string("name", std::string("ring"), logical::topology_names());
  const std::string weights = r.string("weights", std::string("default"));
  try {
    g.params.weighting = logical::parse_weighting(weights);
  } catch (const std::invalid_argument& e) {
    r.errors().add(r.child_path("weights"), quote(weights) + " is not allowed (" + e.what() + ")");
  }
  g.params.p = r.number("p", 0.5, 0, false, 1);
  g.params.seed = static_cast<std::uint64_t>(r.integer("seed", static_cast<std::int64_t>(s.seed), 0));
  g.params.rows = static_cast<int>(r.integer("rows", 0, 0));
  g.params.per_node = static_cast<int>(r.integer("per_node", s.cluster.gpus_per_node, 0));
  if (r.has("edges")) {
    const json* edges = r.raw("edges");
    if (!edges->is_array()) r.errors().add(r.child_path("edges"), quote(*edges) + " is not an array of [from, to] or [from, to, weight]");
    else
      for (size_t i = 0; i < edges->size(); ++i) {
        const json& e = (*edges)[i];
        if (!e.is_array() || e.size() < 2 || e.size() > 3 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
            (e.size() == 3 && !e[2].is_number())) {
          r.errors().add(r.child_path("edges") + "/" + std::to_string(i), quote(e) + " is not [from, to] or [from, to, weight]");
          continue;
        }
        g.params.edges.push_back({e[0].get<int>(), e[1].get<int>(), e.size() == 3 ? e[2].get<double>() : -1.0});
      }
  }
  g.params.directed = r.boolean("directed", false);
  r.reject_unknown_keys();
}

void read_compression(JsonReader& algorithm, CompressionSpec& c) {
  JsonReader r = algorithm.object("compression");
  c.kind = r.string("kind", std::string("none"), {"none", "topk", "randomk", "qsgd", "sign"});
  if (c.kind == "topk" || c.kind == "randomk") c.ratio = r.number("ratio", 0.01, 0, true, 1);
  if (c.kind == "qsgd") {
    c.levels = static_cast<int>(r.integer("levels", 16, 1, 1 << 15));
    c.bucket = r.integer("bucket", 0, 0);
  }
  // Biased compressors (top-k, sign) need error feedback to converge; unbiased ones work without.
  c.error_feedback = r.boolean("error_feedback", c.kind == "topk" || c.kind == "sign");
  // Momentum per rank before compression (DGC's momentum correction; AllreducePsgd::validate checks
  // the optimizer and error feedback).
  c.momentum_correction = r.boolean("momentum_correction", false);
  // The selection (top-k), quantization and decoding run on the GPU before and after the exchange:
  // "sparsification may require extra computation and reduce the benefits" (seed 002).
  c.compute_time = r.duration("compute_time", std::string("0s"));
  r.reject_unknown_keys();
}

}  // namespace

void read_algorithm(JsonReader& root, Scenario& s) {
  JsonReader r = root.object("algorithm");
  s.algorithm.name = r.string("name", std::string("allreduce"), TrainingAlgorithmRegistry::names());
  s.algorithm.collective = r.string("collective", std::string("ring"), CollectiveRegistry::names());
  s.algorithm.servers = static_cast<int>(r.integer("servers", 1, 1, 1 << 16));
  const bool decentralized = TrainingAlgorithmRegistry::contains(s.algorithm.name) &&
                             TrainingAlgorithmRegistry::create(s.algorithm.name)->uses_graph();
  if (decentralized) {
    read_graph(r, s);
    s.algorithm.overlap = r.boolean("overlap", false);
    s.algorithm.global_average_every = static_cast<int>(r.integer("global_average_every", 0, 0));
    if (s.algorithm.overlap && s.algorithm.name != "dsgd")
      r.errors().add(r.child_path("overlap"), "true is only meaningful for \"dsgd\" (the other rules need the "
                                              "gradient before they can send)");
  }
  // Options of one algorithm family: read only where they mean something, a clear error elsewhere.
  auto only_for = [&](const std::string& key, const std::string& algorithm) {
    if (!r.has(key) || s.algorithm.name == algorithm) return s.algorithm.name == algorithm;
    r.raw(key);
    r.errors().add(r.child_path(key), "is only meaningful for \"" + algorithm + "\"; remove it for \"" +
                                          s.algorithm.name + "\"");
    return false;
  };
  if (only_for("backup_workers", "parameter_server"))
    s.algorithm.backup_workers = static_cast<int>(r.integer("backup_workers", 0, 0, std::max(0, s.cluster.ranks() - 1)));
  if (only_for("staleness_bound", "async_parameter_server"))
    s.algorithm.staleness_bound = static_cast<int>(r.integer("staleness_bound", -1, -1, 1 << 20));
  if (only_for("local_steps", "local_sgd")) s.algorithm.local_steps = static_cast<int>(r.integer("local_steps", 1, 1, 1 << 20));
  if (only_for("local_schedule", "local_sgd"))
    s.algorithm.local_schedule = r.string("local_schedule", std::string("constant"), {"constant", "growing", "by_speed"});
  if (only_for("compression", "allreduce")) read_compression(r, s.algorithm.compression);
  r.reject_unknown_keys();
}

}  // namespace dtsim
