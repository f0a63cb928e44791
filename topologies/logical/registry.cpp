#include "topologies/logical/registry.h"

#include <algorithm>
#include <map>
#include <stdexcept>

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
  if (!table().emplace(k, std::move(info)).second)
    throw std::logic_error("topology '" + k + "' registered twice");
  return true;
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
