// "fat_tree": SimGrid's fat-tree zone (Zahavi's XGFT notation). network.fat_tree gives per level
// (leaves first) `down` (children per switch), `up` (parents per node) and `links` (parallel links
// per connection); oversubscription is expressed with fewer up links than down, e.g. down [4, 2],
// up [1, 1]: 4 machines share one uplink out of their edge switch (4:1). Every fabric link uses
// network.bandwidth / network.latency. Leaves are NICs in order (machine-major), then servers;
// consecutive leaves share an edge switch. A route between leaves under one edge switch crosses 2
// links, one whose lowest common switch is at level l crosses 2l links.
#include "topologies/physical/machine.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

struct FatTreeSpec {  // SimGrid's fat-tree parameters (see create_fatTree_zone), per level
  std::vector<unsigned> down, up, links;
};

long leaf_count(const FatTreeSpec& spec) {
  long leaves = 1;
  for (unsigned d : spec.down) leaves *= d;
  return leaves;
}

std::vector<unsigned> unsigned_list(const OptionValues& o, const char* key) {
  std::vector<unsigned> out;
  for (const json& v : o.raw().value(key, json::array())) out.push_back(v.get<unsigned>());
  return out;
}

class FatTreeTopology : public FabricTopology {
 public:
  explicit FatTreeTopology(const OptionValues& o) {
    const OptionValues ft = o.object("fat_tree");
    spec_ = {unsigned_list(ft, "down"), unsigned_list(ft, "up"), unsigned_list(ft, "links")};
  }
  void validate_fabric(const Scenario& s, int extra_hosts, ErrorList& errors) const override {
    const FatTreeSpec& ft = spec_;
    if (ft.down.empty()) return;  // already reported as missing
    if (ft.up.size() != ft.down.size() || ft.links.size() != ft.down.size())
      errors.add("/network/fat_tree", "down, up and links must have one entry per level (down has " +
                                          std::to_string(ft.down.size()) + ")");
    const long needed = fabric_ports(s, extra_hosts);
    if (leaf_count(ft) < needed)
      errors.add("/network/fat_tree/down", "the tree has " + std::to_string(leaf_count(ft)) +
                                               " leaves (product of down) but " + std::to_string(needed) +
                                               " NICs need one each (cluster.nodes x network.nics_per_node + servers)");
  }

  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    const FatTreeSpec& ft = spec_;
    ClusterLeaves leaves(s, extra_hosts);
    auto make_leaf = [&](sg4::NetZone* zone, const std::vector<unsigned long>&, unsigned long id) {
      return leaves.create(zone, id);
    };
    sg4::FatTreeParams params(static_cast<unsigned>(ft.down.size()), ft.down, ft.up, ft.links);
    auto* fabric = sg4::create_fatTree_zone("fabric", nullptr, params, sg4::ClusterCallbacks(make_leaf),
                                            s.network.link.bandwidth, s.network.link.latency,
                                            sg4::Link::SharingPolicy::SPLITDUPLEX);
    leaves.add_intra_machine_routes(fabric);
    fabric->seal();
    leaves.apply_overrides();
    return leaves.hosts();
  }

 private:
  FatTreeSpec spec_;  // /network/fat_tree
};

const bool registered = PhysicalTopologyRegistry::add(
    {"fat_tree", "SimGrid's fat-tree zone (Zahavi's XGFT notation); oversubscribed with fewer up than down links",
     {Option::object("fat_tree",
                     {Option::integer_list("down", 1, "children per switch, per level, leaves first"),
                      Option::integer_list("up", 1, "parents per node, per level"),
                      Option::integer_list("links", 1, "parallel links per connection, per level")},
                     "per level, leaves first (SimGrid's create_fatTree_zone); product(down) leaves")}},
    [](const OptionValues& o) { return std::make_unique<FatTreeTopology>(o); });

}  // namespace
}  // namespace dtsim
