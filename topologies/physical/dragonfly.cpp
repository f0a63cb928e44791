// "dragonfly": SimGrid's dragonfly zone (create_dragonfly_zone, Cray Cascade style).
// network.dragonfly = {"groups": [g, global links], "chassis": [c, links], "routers": [r, links],
// "nodes": n}: g groups of c chassis of r routers with n NIC ports each; routers of a chassis are
// all-to-all ("green" links), chassis of a group all-to-all ("black"), groups all-to-all ("blue",
// global). Leaves (NICs machine-major, then servers, then spare ports) fill routers in order.
// A route: NIC -> router, then minimal routing (at most one green, one black, one global hop on each
// side), router -> NIC; every link has network.bandwidth / network.latency.
#include "topologies/physical/machine.h"
#include "topologies/physical/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

long port_count(const DragonflySpec& d) {
  return static_cast<long>(d.groups) * d.chassis * d.routers * d.nodes;
}

class DragonflyTopology : public PhysicalTopology {
 public:
  void validate_fabric(const Scenario& s, int extra_hosts, ErrorList& errors) const override {
    const DragonflySpec& d = s.network.dragonfly;
    if (port_count(d) == 0) return;  // already reported
    const long needed = fabric_ports(s, extra_hosts);
    if (port_count(d) < needed)
      errors.add("/network/dragonfly", "the dragonfly has " + std::to_string(port_count(d)) +
                                           " ports (groups x chassis x routers x nodes) but " +
                                           std::to_string(needed) +
                                           " NICs need one each (cluster.nodes x network.nics_per_node + servers)");
  }

  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    const DragonflySpec& d = s.network.dragonfly;
    ClusterLeaves leaves(s, extra_hosts);
    auto make_leaf = [&](sg4::NetZone* zone, const std::vector<unsigned long>&, unsigned long id) {
      return leaves.create(zone, id);
    };
    sg4::DragonflyParams params({d.groups, d.global_links}, {d.chassis, d.chassis_links},
                                {d.routers, d.router_links}, d.nodes);
    auto* fabric = sg4::create_dragonfly_zone("fabric", nullptr, params, sg4::ClusterCallbacks(make_leaf),
                                              s.network.link.bandwidth, s.network.link.latency,
                                              sg4::Link::SharingPolicy::SPLITDUPLEX);
    leaves.add_intra_machine_routes(fabric);
    fabric->seal();
    leaves.apply_overrides();
    return leaves.hosts();
  }
};

const bool registered =
    PhysicalTopologyRegistry::add("dragonfly", [] { return std::make_unique<DragonflyTopology>(); });

}  // namespace
}  // namespace dtsim
