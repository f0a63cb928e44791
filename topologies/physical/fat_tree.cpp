// "fat_tree": SimGrid's fat-tree zone (Zahavi's XGFT notation). network.fat_tree gives per level
// (leaves first) `down` (children per switch), `up` (parents per node) and `links` (parallel links
// per connection); oversubscription is expressed with fewer up links than down, e.g. down [4, 2],
// up [1, 1]: 4 machines share one uplink out of their edge switch (4:1). Every fabric link uses
// network.bandwidth / network.latency. Leaves are NICs in order (machine-major), then servers;
// consecutive leaves share an edge switch. A route between leaves under one edge switch crosses 2
// links, one whose lowest common switch is at level l crosses 2l links.
#include "topologies/physical/fabric_limits.h"
#include "topologies/physical/machine.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

struct FatTreeSpec {  // SimGrid's fat-tree parameters (see create_fatTree_zone), per level
  std::vector<std::uint64_t> down, up, links;
};

std::uint64_t leaf_count(const FatTreeSpec& spec) {
  std::uint64_t leaves = 1;
  for (std::uint64_t d : spec.down) leaves = saturating_mul(leaves, d);
  return leaves;
}

// Leaves, switches and links of the tree (Zahavi's XGFT: level i holds prod(down[i..]) x prod(up[..i-1])
// nodes, each with up[i] x links[i] links to level i + 1), saturated. Needs equal-length lists.
std::uint64_t element_count(const FatTreeSpec& spec) {
  const std::size_t levels = spec.down.size();
  std::uint64_t elements = 0;
  for (std::size_t level = 0; level <= levels; ++level) {
    std::uint64_t nodes = 1;
    for (std::size_t j = level; j < levels; ++j) nodes = saturating_mul(nodes, spec.down[j]);
    for (std::size_t j = 0; j < level; ++j) nodes = saturating_mul(nodes, spec.up[j]);
    elements = saturating_add(elements, nodes);
    if (level < levels) elements = saturating_add(elements, saturating_mul(nodes, saturating_mul(spec.up[level], spec.links[level])));
  }
  return elements;
}

// SimGrid 3.32 (FatTreeZone::connect_node_to_parents) tests every node against every node of the
// level above: sum over levels of nodes(l) x nodes(l + 1) relation tests, saturated. Measured: down
// [512, 512], up [1, 512] (1.3 x 10^8 tests, 787,000 elements) takes 93 s; 2^25 tests take ~25 s.
constexpr std::uint64_t kMaxRelationTests = std::uint64_t{1} << 25;

std::uint64_t relation_tests(const FatTreeSpec& spec) {
  const std::size_t levels = spec.down.size();
  std::vector<std::uint64_t> nodes(levels + 1, 1);
  for (std::size_t level = 0; level <= levels; ++level) {
    for (std::size_t j = level; j < levels; ++j) nodes[level] = saturating_mul(nodes[level], spec.down[j]);
    for (std::size_t j = 0; j < level; ++j) nodes[level] = saturating_mul(nodes[level], spec.up[j]);
  }
  std::uint64_t tests = 0;
  for (std::size_t level = 0; level < levels; ++level)
    tests = saturating_add(tests, saturating_mul(nodes[level], nodes[level + 1]));
  return tests;
}

std::vector<std::uint64_t> count_list(const OptionValues& o, const char* key) {
  std::vector<std::uint64_t> out;
  for (const json& v : o.raw().value(key, json::array())) out.push_back(json_count(v));
  return out;
}

std::vector<unsigned> to_unsigned(const std::vector<std::uint64_t>& counts) {  // validated to fit
  return {counts.begin(), counts.end()};
}

class FatTreeTopology : public FabricTopology {
 public:
  explicit FatTreeTopology(const OptionValues& o) {
    const OptionValues ft = o.object("fat_tree");
    spec_ = {count_list(ft, "down"), count_list(ft, "up"), count_list(ft, "links")};
  }
  void validate_fabric(const Scenario& s, int extra_hosts, ErrorList& errors) const override {
    const FatTreeSpec& ft = spec_;
    if (ft.down.empty()) return;  // already reported as missing
    if (ft.up.size() != ft.down.size() || ft.links.size() != ft.down.size()) {
      errors.add("/network/fat_tree", "down, up and links must have one entry per level (down has " +
                                          std::to_string(ft.down.size()) + ")");
      return;
    }
    if (std::string why = fabric_size_error(element_count(ft), "leaves, switches and links"); !why.empty()) {
      errors.add("/network/fat_tree", why);
      return;
    }
    if (const std::uint64_t tests = relation_tests(ft); tests > kMaxRelationTests) {
      errors.add("/network/fat_tree", "needs " + (tests == kSaturated ? std::string("more than 2^64") : std::to_string(tests)) +
                                          " parent tests (nodes of a level x nodes of the level above, summed); "
                                          "allowed: at most " + std::to_string(kMaxRelationTests) +
                                          " (SimGrid 3.32 tests every pair when it builds the tree)");
      return;
    }
    const long needed = fabric_ports(s, extra_hosts);
    if (static_cast<long>(leaf_count(ft)) < needed)
      errors.add("/network/fat_tree/down", "the tree has " + std::to_string(leaf_count(ft)) +
                                               " leaves (product of down) but " + std::to_string(needed) +
                                               " NICs need one each (cluster.nodes x network.nics_per_node + servers)");
  }

  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    const FatTreeSpec& ft = spec_;
    // Filled detached from the platform's root, attached when complete (see inherit_models).
    auto* platform = create_platform_root();
    ClusterLeaves leaves(s, extra_hosts);
    auto make_leaf = [&](sg4::NetZone* zone, const std::vector<unsigned long>&, unsigned long id) {
      return leaves.create(zone, id);
    };
    sg4::FatTreeParams params(static_cast<unsigned>(ft.down.size()), to_unsigned(ft.down), to_unsigned(ft.up),
                              to_unsigned(ft.links));
    auto* fabric = sg4::create_fatTree_zone("fabric", nullptr, params, sg4::ClusterCallbacks(make_leaf),
                                            s.network.link.bandwidth, s.network.link.latency,
                                            sg4::Link::SharingPolicy::SPLITDUPLEX);
    leaves.add_intra_machine_routes(fabric);
    attach_fabric(fabric, platform);
    leaves.apply_overrides();
    return leaves.hosts();
  }

 private:
  FatTreeSpec spec_;  // /network/fat_tree
};

const bool registered_fat_tree = PhysicalTopologyRegistry::add(
    {"fat_tree", "SimGrid's fat-tree zone (Zahavi's XGFT notation); oversubscribed with fewer up than down links",
     {Option::object("fat_tree",
                     {Option::integer_list("down", 1, "children per switch, per level, leaves first"),
                      Option::integer_list("up", 1, "parents per node, per level"),
                      Option::integer_list("links", 1, "parallel links per connection, per level")},
                     "per level, leaves first (SimGrid's create_fatTree_zone); product(down) leaves")}},
    [](const OptionValues& o) { return std::make_unique<FatTreeTopology>(o); });

}  // namespace
}  // namespace dtsim
