// "dragonfly": SimGrid's dragonfly zone (create_dragonfly_zone, Cray Cascade style).
// network.dragonfly = {"groups": [g, global links], "chassis": [c, links], "routers": [r, links],
// "nodes": n}: g groups of c chassis of r routers with n NIC ports each; routers of a chassis are
// all-to-all ("green" links), chassis of a group all-to-all ("black"), groups all-to-all ("blue",
// global). Leaves (NICs machine-major, then servers, then spare ports) fill routers in order.
// A route: NIC -> router, then minimal routing (at most one green, one black, one global hop on each
// side), router -> NIC; every link has network.bandwidth / network.latency.
#include "topologies/physical/fabric_limits.h"
#include "topologies/physical/machine.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

struct DragonflySpec {  // SimGrid's dragonfly: {count, parallel links} per level
  std::uint64_t groups = 0, global_links = 1;     // groups; links between two groups
  std::uint64_t chassis = 0, chassis_links = 1;   // chassis per group; links between two chassis of a group
  std::uint64_t routers = 0, router_links = 1;    // routers per chassis; links between two routers of a chassis
  std::uint64_t nodes = 0;                        // fabric ports (NICs) per router
};

std::uint64_t router_count(const DragonflySpec& d) {
  return saturating_mul(saturating_mul(d.groups, d.chassis), d.routers);
}
std::uint64_t port_count(const DragonflySpec& d) { return saturating_mul(router_count(d), d.nodes); }

// n(n-1)/2 all-to-all links among n, times `copies`, saturated.
std::uint64_t all_to_all(std::uint64_t n, std::uint64_t copies) {
  const std::uint64_t pairs = n % 2 == 0 ? saturating_mul(n / 2, n - 1) : saturating_mul(n, (n - 1) / 2);
  return saturating_mul(pairs, copies);
}

// Ports, routers and links as SimGrid 3.32 creates them: one link per port, green links all-to-all in
// each chassis, black links all-to-all between the chassis of a group (one per router position),
// one global link per pair of groups.
std::uint64_t element_count(const DragonflySpec& d) {
  std::uint64_t n = saturating_mul(port_count(d), 2);  // ports and their links
  n = saturating_add(n, router_count(d));
  n = saturating_add(n, all_to_all(d.routers, saturating_mul(d.groups, d.chassis)));
  n = saturating_add(n, all_to_all(d.chassis, saturating_mul(d.groups, d.routers)));
  return saturating_add(n, all_to_all(d.groups, 1));
}

// SimGrid takes a level's parallel links as an int multiplying the link bandwidth.
constexpr std::uint64_t kMaxParallelLinks = 1 << 20;

// [count, parallel links] of one level; other lengths are reported by read_level.
void read_level(const json& values, const char* key, std::uint64_t& count, std::uint64_t& links) {
  const json& v = values.value(key, json::array());
  if (v.size() != 2) return;
  count = json_count(v[0]);
  links = json_count(v[1]);
}

// Reads one [count, parallel links] pair under /network/dragonfly.
Option level_option(const char* key, const char* what) {
  const std::string k = key;
  return Option::custom(
      key,
      [] {
        return json{{"type", "array"}, {"minItems", 2}, {"maxItems", 2}, {"items", {{"type", "integer"}, {"minimum", 1}}}};
      },
      [k](JsonReader& d, const OptionContext&) {
        const std::vector<std::int64_t> v = d.integer_list(k, 1);
        if (v.size() != 2 && !v.empty())
          d.errors().add(d.child_path(k), "has " + std::to_string(v.size()) +
                                              " entries; expected [count, parallel links], e.g. [4, 1]");
      },
      std::string("[") + what + ", parallel links]");
}

class DragonflyTopology : public FabricTopology {
 public:
  explicit DragonflyTopology(const OptionValues& o) {
    const OptionValues section = o.object("dragonfly");
    const json& v = section.raw();
    read_level(v, "groups", d_.groups, d_.global_links);
    read_level(v, "chassis", d_.chassis, d_.chassis_links);
    read_level(v, "routers", d_.routers, d_.router_links);
    d_.nodes = json_count(v.value("nodes", json(0)));
  }
  void validate_fabric(const Scenario& s, int extra_hosts, ErrorList& errors) const override {
    const DragonflySpec& d = d_;
    if (port_count(d) == 0) return;  // already reported
    for (const auto& [key, links] : {std::pair{"groups", d.global_links}, std::pair{"chassis", d.chassis_links},
                                     std::pair{"routers", d.router_links}})
      if (links > kMaxParallelLinks)
        errors.add(std::string("/network/dragonfly/") + key + "/1",
                   std::to_string(links) + " parallel links; allowed: 1 to " + std::to_string(kMaxParallelLinks));
    if (std::string why = fabric_size_error(element_count(d), "ports, routers and links"); !why.empty()) {
      errors.add("/network/dragonfly", why);
      return;
    }
    // SimGrid 3.32 (DragonflyZone::get_local_route) leaves a group through the router of its chassis
    // whose index equals the destination group, and lands on router `source group` of the destination:
    // with more groups than routers per chassis that router does not exist (a 4-group dragonfly of
    // 2 routers per chassis segfaults).
    if (d.groups > 1 && d.groups > d.routers)
      errors.add("/network/dragonfly/groups", std::to_string(d.groups) + " groups with " + std::to_string(d.routers) +
                                                  " routers per chassis; allowed: at most as many groups as routers "
                                                  "per chassis (SimGrid 3.32 routes group g through router g of each "
                                                  "chassis)");
    const long needed = fabric_ports(s, extra_hosts);
    if (static_cast<long>(port_count(d)) < needed)
      errors.add("/network/dragonfly", "the dragonfly has " + std::to_string(port_count(d)) +
                                           " ports (groups x chassis x routers x nodes) but " +
                                           std::to_string(needed) +
                                           " NICs need one each (cluster.nodes x network.nics_per_node + servers)");
  }

  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    const DragonflySpec& d = d_;
    // Filled detached from the platform's root, attached when complete (see inherit_models).
    auto* platform = create_platform_root();
    ClusterLeaves leaves(s, extra_hosts);
    auto make_leaf = [&](sg4::NetZone* zone, const std::vector<unsigned long>&, unsigned long id) {
      return leaves.create(zone, id);
    };
    auto level = [](std::uint64_t count, std::uint64_t links) {  // validated to fit
      return std::pair<unsigned, unsigned>(static_cast<unsigned>(count), static_cast<unsigned>(links));
    };
    sg4::DragonflyParams params(level(d.groups, d.global_links), level(d.chassis, d.chassis_links),
                                level(d.routers, d.router_links), static_cast<unsigned>(d.nodes));
    auto* fabric = sg4::create_dragonfly_zone("fabric", nullptr, params, sg4::ClusterCallbacks(make_leaf),
                                              s.network.link.bandwidth, s.network.link.latency,
                                              sg4::Link::SharingPolicy::SPLITDUPLEX);
    leaves.add_intra_machine_routes(fabric);
    attach_fabric(fabric, platform);
    leaves.apply_overrides();
    return leaves.hosts();
  }

 private:
  DragonflySpec d_;  // /network/dragonfly
};

const bool registered_dragonfly = PhysicalTopologyRegistry::add(
    {"dragonfly", "SimGrid's dragonfly zone (Cray Cascade style): groups of chassis of routers",
     {Option::object("dragonfly",
                     {level_option("groups", "groups"), level_option("chassis", "chassis per group"),
                      level_option("routers", "routers per chassis"),
                      Option::integer("nodes", std::nullopt, 1, 1 << 20, "NIC ports per router")},
                     "{\"groups\": [g, links], \"chassis\": [c, links], \"routers\": [r, links], \"nodes\": n}")}},
    [](const OptionValues& o) { return std::make_unique<DragonflyTopology>(o); });

}  // namespace
}  // namespace dtsim
