// "switch": every NIC on its own full-duplex link to one non-blocking switch. A route between two
// machines crosses two links (sender's NIC up, receiver's NIC down), so alpha = 2 x link latency.
#include "topologies/physical/machine.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

class SwitchTopology : public FabricTopology {
 public:
  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    // The fabric is filled detached from the platform's root and attached when complete, so that
    // SimGrid's name checks and seals walk an empty platform (see inherit_models).
    auto* platform = create_platform_root();
    auto* fabric = sg4::create_star_zone("fabric");
    inherit_models(fabric, platform);
    ClusterLeaves leaves(s, extra_hosts);
    for (long i = 0; i < leaves.used(); ++i) {
      auto [netpoint, gateway] = leaves.create(fabric, static_cast<unsigned long>(i));
      auto* nic = create_duplex_link(fabric, leaves.name(i) + "-nic-link", s.network.link);
      fabric->add_route(netpoint, nullptr, gateway, nullptr, {sg4::LinkInRoute(nic, sg4::LinkInRoute::Direction::UP)},
                        false);
      fabric->add_route(nullptr, netpoint, nullptr, gateway,
                        {sg4::LinkInRoute(nic, sg4::LinkInRoute::Direction::DOWN)}, false);
    }
    leaves.add_intra_machine_routes(fabric);
    attach_fabric(fabric, platform);
    leaves.apply_overrides();
    return leaves.hosts();
  }
};

const bool registered_switch = PhysicalTopologyRegistry::add(
    {"switch", "every NIC on its own full-duplex link to one non-blocking switch", {}},
    [](const OptionValues&) { return std::make_unique<SwitchTopology>(); });

}  // namespace
}  // namespace dtsim
