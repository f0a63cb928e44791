#include "topologies/physical/machine.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {

namespace {
constexpr double kHostSpeed = 1e9;  // unused: compute time is simulated with sleeps
}

sg4::SplitDuplexLink* create_duplex_link(sg4::NetZone* zone, const std::string& name, const LinkSpec& spec) {
  auto* link = zone->create_split_duplex_link(name, spec.bandwidth);
  link->set_latency(spec.latency);
  link->seal();
  return link;
}

MachineNetpoint create_machine(sg4::NetZone* parent, const std::string& name, int gpus, const LinkSpec& intra_node,
                               std::vector<sg4::Host*>& hosts) {
  if (gpus == 1) {
    sg4::Host* host = parent->create_host(name, kHostSpeed)->seal();
    hosts.push_back(host);
    return {host->get_netpoint(), nullptr};
  }
  auto* zone = sg4::create_star_zone(name);
  zone->set_parent(parent);
  auto* gateway = zone->create_router(name + "-nic");
  // The gateway reaches every GPU through that GPU's own intra-node link only.
  zone->add_route(gateway, nullptr, nullptr, nullptr, {}, true);
  for (int g = 0; g < gpus; ++g) {
    const std::string gpu_name = name + "-gpu" + std::to_string(g);
    sg4::Host* host = zone->create_host(gpu_name, kHostSpeed)->seal();
    auto* link = create_duplex_link(zone, gpu_name + "-link", intra_node);
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                    {sg4::LinkInRoute(link, sg4::LinkInRoute::Direction::UP)}, false);
    zone->add_route(nullptr, host->get_netpoint(), nullptr, nullptr,
                    {sg4::LinkInRoute(link, sg4::LinkInRoute::Direction::DOWN)}, false);
    hosts.push_back(host);
  }
  zone->seal();
  return {zone->get_netpoint(), gateway};
}

}  // namespace dtsim
