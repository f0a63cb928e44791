#include "algorithms/collectives/analytic.h"

#include <stdexcept>

#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/fast.h"
#include "algorithms/collectives/runner.h"
#include "sim/engine/network_tiers.h"

namespace dtsim {

// What keeps the platform from being the closed forms' alpha-beta platform, or a rank from being like
// every other ("" : nothing).
std::string platform_analytic_blocker(const Scenario& s) {
  const NetworkSpec& net = s.network;
  if (net.topology != "switch")
    return "topology \"" + net.topology + "\" routes over shared fabric links (contention and multi-hop latencies); "
           "the closed forms are exact on \"switch\" only";
  if (!tier_model(net, NetworkTier::InterNode).exact() || !tier_model(net, NetworkTier::IntraNode).exact())
    return "the network model is not exact (network.model \"tcp\" or a network.profile adds per-message factors)";
  if (!net.overrides.empty()) return "network.overrides make some machines' links differ from the others'";
  if (s.stragglers.any()) return "stragglers or network jitter perturb some ranks";
  if (s.failures.any() || s.run.recovery.enabled()) return "failures or run.recovery stop ranks";
  if (s.workload.overlap_slowdown > 0) return "workload.overlap_slowdown couples compute to transfers in flight";
  return "";
}

std::string collective_analytic_blocker(const Scenario& s, const std::string& collective) {
  if (std::string why = platform_analytic_blocker(s); !why.empty()) return why;
  if (!CollectiveRegistry::contains(collective)) return "unknown collective \"" + collective + "\"";
  const std::string why = CollectiveRegistry::create(collective)->analytic_blocker(cost_model(s, 0));
  return why.empty() ? "" : "collective \"" + collective + "\": " + why;
}

// Only algorithms whose analytic_time reproduces fast's uneven chunk split are exact to 1e-6: the
// textbook closed form of the others differs from fast by up to 3e-6 (direct, p = 16, 1,000,003 B).
std::string Collective::analytic_blocker(const CostModel&) const {
  return "its closed form assumes equal chunks (analytic supports ring and hierarchical over ring)";
}

double Collective::analytic_time(const CostModel& m, const Message&, int) const { return closed_form_on(m); }

bool Collective::runs_analytic(const RankContext& ctx, const std::vector<int>& group) const {
  return fidelity(ctx) == Fidelity::Analytic && group.size() > 1;
}

bool Collective::run_analytic(RankContext& ctx, const std::vector<int>& group, Message& data) const {
  if (fidelity(ctx) != Fidelity::Analytic) return false;
  const int p = static_cast<int>(group.size());
  if (p == 1) return true;
  if (p != ctx.size())  // the cost model's alpha and beta are those of the whole cluster
    throw std::logic_error("analytic fidelity: a collective over " + std::to_string(p) + " of " +
                           std::to_string(ctx.size()) + " ranks");
  const int me = index_in_group(group, ctx.rank());
  const bool values = !data.values.empty();
  const double seconds = analytic_time(cost_model(ctx.scenario(), data.bytes), data, me);
  auto meeting = fast::meet_and_wait(ctx, group, std::move(data.values), seconds);
  if (values) data.values = meeting->sum();
  return true;
}

}  // namespace dtsim
