// "torus": SimGrid's torus zone (create_torus_zone), 1 to 3 dimensions (network.torus.dims, e.g.
// [4, 4] or [4, 4, 4]). Each NIC is one torus position (position i has coordinates
// x = i mod d0, y = (i / d0) mod d1, ...; leaves in order: machine-major NICs, then servers, the
// remaining positions are routers). Every torus link is split-duplex with network.bandwidth and
// network.latency; routes are dimension-ordered, shortest way round each ring, so a route crosses
// h = sum over dimensions of min(|dx|, d - |dx|) links and alpha = h x latency.
#include <numeric>

#include "topologies/physical/fabric_limits.h"
#include "topologies/physical/machine.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

class TorusTopology : public FabricTopology {
 public:
  explicit TorusTopology(const OptionValues& o) {
    const OptionValues torus = o.object("torus");
    for (const json& d : torus.raw().value("dims", json::array())) dims_.push_back(json_count(d));
  }
  void validate_fabric(const Scenario& s, int extra_hosts, ErrorList& errors) const override {
    const auto& dims = dims_;
    if (dims.empty()) return;  // already reported
    if (dims.size() > 3) {
      errors.add("/network/torus/dims", "has " + std::to_string(dims.size()) +
                                            " dimensions; allowed: 1 to 3 (e.g. [4, 4] or [4, 4, 4])");
      return;
    }
    std::uint64_t positions = 1;
    for (std::uint64_t d : dims) positions = saturating_mul(positions, d);
    if (positions == 0) return;  // a bad entry, already reported
    // One link per position and dimension (to the next position of its ring).
    const std::uint64_t elements = saturating_add(positions, saturating_mul(positions, dims.size()));
    if (std::string why = fabric_size_error(elements, "positions and links (product of dims x (1 + dimensions))");
        !why.empty()) {
      errors.add("/network/torus/dims", why);
      return;
    }
    const long needed = fabric_ports(s, extra_hosts);
    if (static_cast<long>(positions) < needed)
      errors.add("/network/torus/dims", "the torus has " + std::to_string(positions) +
                                            " positions (product of dims) but " + std::to_string(needed) +
                                            " NICs need one each (cluster.nodes x network.nics_per_node + servers)");
  }

  std::vector<sg4::Host*> build(const Scenario& s, int extra_hosts) const override {
    // Filled detached from the platform's root, attached when complete (see inherit_models).
    auto* platform = create_platform_root();
    ClusterLeaves leaves(s, extra_hosts);
    auto make_leaf = [&](sg4::NetZone* zone, const std::vector<unsigned long>&, unsigned long id) {
      return leaves.create(zone, id);
    };
    const std::vector<unsigned long> dims(dims_.begin(), dims_.end());
    auto* fabric = sg4::create_torus_zone("fabric", nullptr, dims, sg4::ClusterCallbacks(make_leaf),
                                          s.network.link.bandwidth, s.network.link.latency,
                                          sg4::Link::SharingPolicy::SPLITDUPLEX);
    leaves.add_intra_machine_routes(fabric);
    attach_fabric(fabric, platform);
    leaves.apply_overrides();
    return leaves.hosts();
  }

 private:
  std::vector<std::uint64_t> dims_;  // /network/torus/dims
};

const bool registered_torus = PhysicalTopologyRegistry::add(
    {"torus", "SimGrid's torus zone, 1 to 3 dimensions, dimension-ordered shortest routes",
     {Option::object("torus", {Option::integer_list("dims", 1, "positions per dimension, e.g. [4, 4]")},
                     "the torus shape (product of dims >= NICs + servers)")}},
    [](const OptionValues& o) { return std::make_unique<TorusTopology>(o); });

}  // namespace
}  // namespace dtsim
