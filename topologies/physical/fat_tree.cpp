// "fat_tree": SimGrid's fat-tree zone (Zahavi's XGFT notation). network.fat_tree gives per level
// (leaves first) `down` (children per switch), `up` (parents per node) and `links` (parallel links
// per connection); oversubscription is expressed with fewer up links than down. Every fabric link
// uses network.bandwidth / network.latency. Leaves are taken by machines first, then servers.
#include <map>

#include "topologies/physical/machine.h"
#include "topologies/physical/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

long leaf_count(const FatTreeSpec& spec) {
  long leaves = 1;
  for (unsigned d : spec.down) leaves *= d;
  return leaves;
}

class FatTreeTopology : public PhysicalTopology {
 public:
  void validate(const Scenario& s, int extra_hosts, ErrorList& errors) const override {
    const FatTreeSpec& ft = s.network.fat_tree;
    if (ft.down.empty()) return;  // already reported as missing
    if (ft.up.size() != ft.down.size() || ft.links.size() != ft.down.size())
      errors.add("/network/fat_tree", "down, up and links must have one entry per level (down has " +
                                          std::to_string(ft.down.size()) + ")");
    const long needed = s.cluster.nodes + extra_hosts;
    if (leaf_count(ft) < needed)
      errors.add("/network/fat_tree/down", "the tree has " + std::to_string(leaf_count(ft)) +
                                               " leaves (product of down) but " + std::to_string(needed) +
                                               " machines need one each (cluster.nodes + servers)");
  }

  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    const FatTreeSpec& ft = s.network.fat_tree;
    std::map<unsigned long, std::vector<sg4::Host*>> hosts_by_leaf;
    const unsigned long nodes = s.cluster.nodes;
    auto make_leaf = [&](sg4::NetZone* zone, const std::vector<unsigned long>&, unsigned long id) {
      std::vector<sg4::Host*>& hosts = hosts_by_leaf[id];
      std::string name = id < nodes ? "node" + std::to_string(id)
                         : id < nodes + extra_hosts ? "server" + std::to_string(id - nodes)
                                                    : "spare" + std::to_string(id);
      int gpus = id < nodes ? s.cluster.gpus_per_node : 1;
      MachineNetpoint m = create_machine(zone, name, gpus, s.network.intra_node, hosts);
      return std::make_pair(m.netpoint, m.gateway);
    };
    sg4::FatTreeParams params(static_cast<unsigned>(ft.down.size()), ft.down, ft.up, ft.links);
    sg4::create_fatTree_zone("fabric", nullptr, params, sg4::ClusterCallbacks(make_leaf), s.network.link.bandwidth,
                             s.network.link.latency, sg4::Link::SharingPolicy::SPLITDUPLEX)
        ->seal();
    std::vector<sg4::Host*> ordered;
    for (unsigned long id = 0; id < nodes + extra_hosts; ++id)
      ordered.insert(ordered.end(), hosts_by_leaf[id].begin(), hosts_by_leaf[id].end());
    return ordered;
  }
};

const bool registered =
    PhysicalTopologyRegistry::add("fat_tree", [] { return std::make_unique<FatTreeTopology>(); });

}  // namespace
}  // namespace dtsim
