// "dragonfly": SimGrid's dragonfly zone (create_dragonfly_zone, Cray Cascade style).
// network.dragonfly = {"groups": [g, global links], "chassis": [c, links], "routers": [r, links],
// "nodes": n}: g groups of c chassis of r routers with n NIC ports each; routers of a chassis are
// all-to-all ("green" links), chassis of a group all-to-all ("black"), groups all-to-all ("blue",
// global). Leaves (NICs machine-major, then servers, then spare ports) fill routers in order.
// A route: NIC -> router, then minimal routing (at most one green, one black, one global hop on each
// side), router -> NIC; every link has network.bandwidth / network.latency.
#include "topologies/physical/machine.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

struct DragonflySpec {  // SimGrid's dragonfly: {count, parallel links} per level
  unsigned groups = 0, global_links = 1;     // groups; links between two groups
  unsigned chassis = 0, chassis_links = 1;   // chassis per group; links between two chassis of a group
  unsigned routers = 0, router_links = 1;    // routers per chassis; links between two routers of a chassis
  unsigned nodes = 0;                        // fabric ports (NICs) per router
};

long port_count(const DragonflySpec& d) {
  return static_cast<long>(d.groups) * d.chassis * d.routers * d.nodes;
}

// [count, parallel links] of one level; other lengths are reported by read_level.
void read_level(const json& values, const char* key, unsigned& count, unsigned& links) {
  const json& v = values.value(key, json::array());
  if (v.size() != 2) return;
  count = v[0].get<unsigned>();
  links = v[1].get<unsigned>();
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
    d_.nodes = v.value("nodes", 0u);
  }
  void validate_fabric(const Scenario& s, int extra_hosts, ErrorList& errors) const override {
    const DragonflySpec& d = d_;
    if (port_count(d) == 0) return;  // already reported
    const long needed = fabric_ports(s, extra_hosts);
    if (port_count(d) < needed)
      errors.add("/network/dragonfly", "the dragonfly has " + std::to_string(port_count(d)) +
                                           " ports (groups x chassis x routers x nodes) but " +
                                           std::to_string(needed) +
                                           " NICs need one each (cluster.nodes x network.nics_per_node + servers)");
  }

  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    const DragonflySpec& d = d_;
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

 private:
  DragonflySpec d_;  // /network/dragonfly
};

const bool registered = PhysicalTopologyRegistry::add(
    {"dragonfly", "SimGrid's dragonfly zone (Cray Cascade style): groups of chassis of routers",
     {Option::object("dragonfly",
                     {level_option("groups", "groups"), level_option("chassis", "chassis per group"),
                      level_option("routers", "routers per chassis"),
                      Option::integer("nodes", std::nullopt, 1, 1 << 20, "NIC ports per router")},
                     "{\"groups\": [g, links], \"chassis\": [c, links], \"routers\": [r, links], \"nodes\": n}")}},
    [](const OptionValues& o) { return std::make_unique<DragonflyTopology>(o); });

}  // namespace
}  // namespace dtsim
