#include "sim/engine/network_tiers.h"

#include <cstring>

#include <simgrid/kernel/resource/NetworkModelIntf.hpp>

#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

// SimGrid's LV08 factors (src/surf/network_cm02.cpp, surf_network_model_init_LegrandVelho).
constexpr double kTcpLatencyFactor = 13.01;
constexpr double kTcpBandwidthFactor = 0.97;

double route_latency(const std::vector<sg4::Link*>& links) {
  double latency = 0;
  for (const sg4::Link* l : links) latency += l->get_latency();
  return latency;
}

}  // namespace

TierModel tier_model(const NetworkSpec& net, NetworkTier tier) {
  const TierCalibration& calibrated =
      tier == NetworkTier::IntraNode ? net.calibration.intra_node : net.calibration.inter_node;
  TierModel m;
  if (calibrated.given) {  // measured on the real stack (TCP included where it was used)
    m.bandwidth_factor = calibrated.efficiency;
    m.overhead = calibrated.overhead;
  } else if (net.model == "tcp" && tier == NetworkTier::InterNode && net.link_layer == "ethernet") {
    m.bandwidth_factor = kTcpBandwidthFactor;
    m.latency_factor = kTcpLatencyFactor;
  }
  return m;
}

NetworkTier message_tier(const sg4::Host* src, const sg4::Host* dst) {
  const char* a = src->get_property(kMachineProperty);
  const char* b = dst->get_property(kMachineProperty);
  return a && b && std::strcmp(a, b) == 0 ? NetworkTier::IntraNode : NetworkTier::InterNode;
}

void validate_network_tiers(const Scenario& s, ErrorList& errors) {
  const NetworkSpec& net = s.network;
  auto check = [&](NetworkTier tier, double latency, const std::string& path, const std::string& tier_name) {
    const TierModel m = tier_model(net, tier);
    if (m.overhead > 0 && latency <= 0)
      errors.add(path, "0 s, but network.profile gives the " + tier_name + " tier a per-message overhead of " +
                           std::to_string(m.overhead) + " s, charged as a factor on the route's latency; "
                           "allowed: a latency > 0");
  };
  if (s.cluster.gpus_per_node > 1) check(NetworkTier::IntraNode, net.intra_node.latency, "/network/intra_node/latency", "intra_node");
  check(NetworkTier::InterNode, net.link.latency, "/network/latency", "inter_node");
  for (const LinkOverride& o : net.overrides) {
    if (o.latency >= 0) check(NetworkTier::InterNode, o.latency, o.path + "/latency", "inter_node");
    if (o.has_intra_node && s.cluster.gpus_per_node > 1)
      check(NetworkTier::IntraNode, o.intra_node.latency, o.path + "/intra_node/latency", "intra_node");
  }
}

void install_network_tiers(sg4::Engine& engine, const NetworkSpec& net) {
  const TierModel intra = tier_model(net, NetworkTier::IntraNode);
  const TierModel inter = tier_model(net, NetworkTier::InterNode);
  if (intra.exact() && inter.exact()) return;
  simgrid::kernel::resource::NetworkModelIntf* model = engine.get_netzone_root()->get_network_model();
  model->set_bw_factor_cb([intra, inter](double, const sg4::Host* src, const sg4::Host* dst,
                                         const std::vector<sg4::Link*>&, const std::unordered_set<sg4::NetZone*>&) {
    return (message_tier(src, dst) == NetworkTier::IntraNode ? intra : inter).bandwidth_factor;
  });
  model->set_lat_factor_cb([intra, inter](double, const sg4::Host* src, const sg4::Host* dst,
                                          const std::vector<sg4::Link*>& links,
                                          const std::unordered_set<sg4::NetZone*>&) {
    const TierModel& m = message_tier(src, dst) == NetworkTier::IntraNode ? intra : inter;
    const double latency = route_latency(links);
    return latency > 0 ? m.latency_factor + m.overhead / latency : m.latency_factor;
  });
}

}  // namespace dtsim
