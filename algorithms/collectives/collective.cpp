#include "algorithms/collectives/collective.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dtsim {

Fidelity parse_fidelity(const std::string& name) {
  if (name == "step") return Fidelity::Step;
  if (name == "fast") return Fidelity::Fast;
  if (name == "analytic") return Fidelity::Analytic;
  throw std::invalid_argument("unknown fidelity \"" + name + "\"; allowed: \"step\", \"fast\", \"analytic\"");
}

void Collective::allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const {
  RankContext::CollectiveSpan span(ctx, "allreduce", name_, data.bytes, static_cast<int>(group.size()));
  if (run_analytic(ctx, group, data)) return;  // analytic fidelity: the closed form (analytic.h)
  run_allreduce(ctx, group, data);
}

const char* fidelity_name(Fidelity f) {
  switch (f) {
    case Fidelity::Fast: return "fast";
    case Fidelity::Analytic: return "analytic";
    case Fidelity::Step: break;
  }
  return "step";
}

int index_in_group(const std::vector<int>& group, int endpoint) {
  // Common case in O(1): the group of all ranks in rank order.
  if (endpoint >= 0 && endpoint < static_cast<int>(group.size()) && group[endpoint] == endpoint) return endpoint;
  auto it = std::find(group.begin(), group.end(), endpoint);
  if (it == group.end()) throw std::logic_error("endpoint " + std::to_string(endpoint) + " not in its group");
  return static_cast<int>(it - group.begin());
}

int floor_log2(int p) {
  int k = 0;
  while ((2 << k) <= p) ++k;
  return k;
}

int ceil_log2(int p) {
  int k = 0;
  while ((1 << k) < p) ++k;
  return k;
}

}  // namespace dtsim
