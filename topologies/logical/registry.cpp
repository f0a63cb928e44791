#include "topologies/logical/registry.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "sim/base/plugin_catalog.h"
#include "topologies/logical/weights.h"

namespace dtsim::logical {

namespace {
std::map<std::string, TopologyInfo>& table() {
  static std::map<std::string, TopologyInfo> t;  // built on first use: no init-order issue
  return t;
}
std::string key(std::string s) {
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}
}  // namespace

bool register_topology(TopologyInfo info) {
  const std::string k = key(info.name);
  if (!info.make) throw std::logic_error("topology '" + info.name + "' registered without factory");
  plugin_family(kGraphFamily).add({k, info.summary, info.options});
  if (!table().emplace(k, std::move(info)).second)
    throw std::logic_error("topology '" + k + "' registered twice");
  return true;
}

Option rows_option() {
  return Option::integer("rows", 0, 0, 1 << 20, "grid / torus: rows (0: the most square factorization)");
}

Option per_node_option() {
  return Option::integer("per_node", std::nullopt, 0, 1 << 20, "ranks per machine")
      .default_from([](const OptionContext& c) { return json(c.gpus_per_node); }, "cluster.gpus_per_node");
}

Params params_from(const OptionValues& o) {
  Params p;
  if (o.has("weights")) p.weighting = parse_weighting(o.text("weights"));
  if (o.has("p")) p.p = o.number("p");
  if (o.has("seed")) p.seed = static_cast<std::uint64_t>(o.integer("seed"));
  if (o.has("rows")) p.rows = static_cast<int>(o.integer("rows"));
  if (o.has("per_node")) p.per_node = static_cast<int>(o.integer("per_node"));
  if (o.has("edges"))
    for (const json& e : o.raw().at("edges"))
      if (e.is_array() && e.size() >= 2)
        p.edges.push_back({e[0].get<int>(), e[1].get<int>(), e.size() == 3 ? e[2].get<double>() : -1.0});
  if (o.has("directed")) p.directed = o.boolean("directed");
  return p;
}

const TopologyInfo* find_topology(const std::string& name) {
  auto it = table().find(key(name));
  return it == table().end() ? nullptr : &it->second;
}

std::vector<std::string> topology_names() {
  std::vector<std::string> names;
  for (const auto& [k, info] : table()) names.push_back(k);
  return names;
}

Topology make_topology(const std::string& name, int n, const Params& params) {
  const TopologyInfo* info = find_topology(name);
  if (!info) {
    std::string known;
    for (const auto& k : topology_names()) known += (known.empty() ? "" : ", ") + k;
    throw std::invalid_argument("unknown topology '" + name + "'; known: " + known);
  }
  if (n < 1) throw std::invalid_argument(info->name + ": needs at least 1 rank, got " +
                                         std::to_string(n));
  return info->make(n, params);
}

}  // namespace dtsim::logical
