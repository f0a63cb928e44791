// The network model per tier, on top of SimGrid's CM02 (pure alpha-beta, max-min sharing).
//
// A message between two GPUs of one machine is intra-node; any other message is inter-node. Per
// tier, a message of S bytes on a route with link latency L and bottleneck bandwidth B costs
//   L x latency_factor + overhead + S / (B x bandwidth_factor)
// where the factors come from network.profile (efficiency, overhead) for the tiers it gives, else
// from network.model "tcp" (SimGrid LV08's 13.01 and 0.97, Velho et al., "On the Validity of
// Flow-level TCP Network Models for Grid and Cloud Simulations", TOMACS 2013) for inter-node messages
// on an Ethernet fabric, else 1, 1 and 0 (exact).
//
// Both are SimGrid 3.32 network-factor callbacks (NetworkModelIntf::set_bw_factor_cb /
// set_lat_factor_cb), which stay correct under contention:
// - the bandwidth factor is the action's rate factor: a flow occupies its max-min share x of every
//   link on its route but moves only factor x x payload bytes/s, so N flows sharing a link together
//   get efficiency x B of goodput (headers and protocol overhead occupy the rest), not N x eff x B/N
//   plus leftover capacity, as a per-flow cap would give;
// - the overhead is charged as latency: per message, before the flow starts, consuming no link
//   capacity, so concurrent messages pay it in parallel, as host/NIC software overhead is paid
//   (a sleep in the sender's path would serialise the overheads of one rank's concurrent sends).
// CM02 multiplies a route's latency by the latency factor, so the overhead is expressed as
// 1 + overhead / L: it needs L > 0, which validate_network_tiers() checks.
#pragma once
#include <simgrid/s4u.hpp>

#include "sim/base/json_reader.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

enum class NetworkTier { IntraNode, InterNode };

struct TierModel {
  double bandwidth_factor = 1;  // achieved / nominal bandwidth
  double latency_factor = 1;    // multiplies the route's link latency
  double overhead = 0;          // s per message, added after the factor
  bool exact() const { return bandwidth_factor == 1 && latency_factor == 1 && overhead == 0; }
};

// The model of one tier under the scenario's network section.
TierModel tier_model(const NetworkSpec& network, NetworkTier tier);

// The tier of a message from `src` to `dst` (kMachineProperty of the hosts).
NetworkTier message_tier(const simgrid::s4u::Host* src, const simgrid::s4u::Host* dst);

// Cross-field checks: a tier with an overhead needs links with a latency.
void validate_network_tiers(const Scenario& s, ErrorList& errors);

// Installs the per-tier callbacks on the platform's network model; call once the platform is built.
// Installs nothing when both tiers are exact, so the exact model stays CM02 bit for bit.
void install_network_tiers(simgrid::s4u::Engine& engine, const NetworkSpec& network);

}  // namespace dtsim
