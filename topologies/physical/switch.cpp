// "switch": every machine on its own full-duplex NIC link to one non-blocking switch. A route
// crosses two links (sender's up, receiver's down), so alpha = 2 x link latency.
#include "topologies/physical/machine.h"
#include "topologies/physical/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

class SwitchTopology : public PhysicalTopology {
 public:
  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    auto* fabric = sg4::create_star_zone("fabric");
    std::vector<sg4::Host*> hosts;
    auto attach = [&](const std::string& name, int gpus) {
      MachineNetpoint machine = create_machine(fabric, name, gpus, s.network.intra_node, hosts);
      auto* nic = create_duplex_link(fabric, name + "-nic-link", s.network.link);
      fabric->add_route(machine.netpoint, nullptr, machine.gateway, nullptr,
                        {sg4::LinkInRoute(nic, sg4::LinkInRoute::Direction::UP)}, false);
      fabric->add_route(nullptr, machine.netpoint, nullptr, machine.gateway,
                        {sg4::LinkInRoute(nic, sg4::LinkInRoute::Direction::DOWN)}, false);
    };
    for (int m = 0; m < s.cluster.nodes; ++m) attach("node" + std::to_string(m), s.cluster.gpus_per_node);
    for (int e = 0; e < extra_hosts; ++e) attach("server" + std::to_string(e), 1);
    fabric->seal();
    return hosts;
  }
};

const bool registered =
    PhysicalTopologyRegistry::add("switch", [] { return std::make_unique<SwitchTopology>(); });

}  // namespace
}  // namespace dtsim
