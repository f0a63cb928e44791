#include "topologies/physical/machine.h"

#include <set>

#include <simgrid/kernel/routing/NetZoneImpl.hpp>

namespace sg4 = simgrid::s4u;

namespace dtsim {

namespace {
constexpr double kHostSpeed = 1e9;        // unused: compute time is simulated with sleeps
constexpr double kBackplaneBandwidth = 1e18;  // never the bottleneck (FATPIPE: not shared either)

// Links inside machines (GPU links, backplanes): excluded when looking for a NIC's fabric ports.
std::set<const sg4::Link*>& intra_node_links() {
  static std::set<const sg4::Link*> links;
  return links;
}
}  // namespace

void inherit_models(sg4::NetZone* zone, const sg4::NetZone* parent) {
  auto* z = zone->get_impl();
  const auto* p = parent->get_impl();
  z->set_network_model(p->get_network_model());
  z->set_cpu_pm_model(p->get_cpu_pm_model());
  z->set_cpu_vm_model(p->get_cpu_vm_model());
  z->set_disk_model(p->get_disk_model());
  z->set_host_model(p->get_host_model());
}

sg4::NetZone* create_platform_root() { return sg4::create_empty_zone("platform"); }

void attach_fabric(sg4::NetZone* fabric, sg4::NetZone* platform) {
  fabric->set_parent(platform);
  fabric->seal();
  platform->seal();
}

sg4::SplitDuplexLink* create_duplex_link(sg4::NetZone* zone, const std::string& name, const LinkSpec& spec) {
  auto* link = zone->create_split_duplex_link(name, spec.bandwidth);
  link->set_latency(spec.latency);
  link->seal();
  return link;
}

long fabric_ports(const Scenario& s, int extra_hosts) {
  return static_cast<long>(s.cluster.nodes) * s.network.nics_per_node + extra_hosts;
}

void validate_machines(const Scenario& s, ErrorList& errors) {
  const int gpus = s.cluster.gpus_per_node, nics = s.network.nics_per_node;
  if (nics > gpus || gpus % nics != 0)
    errors.add("/network/nics_per_node", std::to_string(nics) + " does not divide cluster.gpus_per_node (" +
                                             std::to_string(gpus) +
                                             "); each NIC serves an equal block of GPUs: allowed: divisors of " +
                                             std::to_string(gpus));
  for (const LinkOverride& o : s.network.overrides) {
    if (o.last_node >= s.cluster.nodes)
      errors.add(o.path + (o.first_node == o.last_node ? "/node" : "/nodes"),
                 std::to_string(o.last_node) + " is out of range; allowed: machines 0 to " +
                     std::to_string(s.cluster.nodes - 1));
    if (o.nic >= nics)
      errors.add(o.path + "/nic", std::to_string(o.nic) + " is out of range; allowed: 0 to " +
                                      std::to_string(nics - 1) + " (network.nics_per_node = " +
                                      std::to_string(nics) + ")");
  }
}

ClusterLeaves::ClusterLeaves(const Scenario& s, int extra_hosts) : s_(s), nics_(s.network.nics_per_node) {
  const int gpus = s.cluster.gpus_per_node;
  for (int m = 0; m < s.cluster.nodes; ++m) {
    LinkSpec intra = s.network.intra_node;
    for (const LinkOverride& o : s.network.overrides)
      if (o.has_intra_node && m >= o.first_node && m <= o.last_node) intra = o.intra_node;
    for (int k = 0; k < nics_; ++k) {
      Leaf leaf;
      leaf.name = "node" + std::to_string(m) + (nics_ > 1 ? "-nic" + std::to_string(k) : std::string());
      leaf.machine = m;
      leaf.gpus = gpus / nics_;
      leaf.intra = intra;
      leaves_.push_back(leaf);
    }
  }
  for (int e = 0; e < extra_hosts; ++e) {
    Leaf leaf;
    leaf.name = "server" + std::to_string(e);
    leaves_.push_back(leaf);
  }
}

std::pair<simgrid::kernel::routing::NetPoint*, simgrid::kernel::routing::NetPoint*> ClusterLeaves::create(
    sg4::NetZone* parent, unsigned long index) {
  // SimGrid's fabric builders (fat-tree, torus, dragonfly) made without a parent ask for their first
  // leaf before creating anything: the detached fabric gets the platform's models here.
  if (!parent->get_impl()->get_network_model())
    inherit_models(parent, sg4::Engine::get_instance()->get_netzone_root());
  if (index >= leaves_.size()) return {parent->create_router("spare" + std::to_string(index)), nullptr};
  Leaf& leaf = leaves_[index];
  // Leaves of one fabric are all hosts or all zones: SimGrid 3.32 misroutes GPUs inside zone leaves
  // when host leaves sit beside them in one star zone (seen with PS servers beside multi-GPU machines).
  // So with multi-GPU machines a server is a zone too, its host on a link that never limits.
  const bool single = s_.cluster.gpus_per_node == 1;
  if (single) {
    sg4::Host* host = parent->create_host(leaf.name, kHostSpeed)->seal();
    if (leaf.machine >= 0) host->set_property(kMachineProperty, std::to_string(leaf.machine));
    leaf.hosts.push_back(host);
    leaf.netpoint = host->get_netpoint();
    return {leaf.netpoint, nullptr};
  }
  auto* zone = sg4::create_star_zone(leaf.name);
  zone->set_parent(parent);
  auto* gateway = zone->create_router(leaf.name + "-nic");
  // The gateway reaches every GPU through that GPU's own intra-node link only.
  zone->add_route(gateway, nullptr, nullptr, nullptr, {}, true);
  // NVLink machines: GPUs reach their NIC over PCIe (GPUDirect RDMA), apart from their NVLink ports,
  // so a GPU's traffic to other machines does not share its NVLink link with the traffic to its
  // neighbours (NCCL's rings send both at once; under CM02's latency-weighted sharing the longer
  // route would lose most of a shared link). The PCIe path has the intra-node latency and never
  // limits (the NIC is slower). Traffic between GPUs of one machine enters and leaves every leaf
  // through `hub`, the star's centre, whose routes are the GPUs' NVLink links.
  const bool own_nic_path = leaf.machine >= 0 && s_.network.intra_node_kind != "pcie";
  if (own_nic_path) {
    leaf.hub = zone->create_router(leaf.name + "-nvlink");
    zone->add_route(leaf.hub, nullptr, nullptr, nullptr, {}, true);
  }
  const int first_gpu = leaf.machine < 0 ? 0 : static_cast<int>(index % nics_) * leaf.gpus;
  const std::string machine = "node" + std::to_string(leaf.machine);
  for (int g = first_gpu; g < first_gpu + leaf.gpus; ++g) {
    const std::string gpu_name = leaf.machine < 0 ? leaf.name : machine + "-gpu" + std::to_string(g);
    sg4::Host* host = zone->create_host(gpu_name, kHostSpeed)->seal();
    if (leaf.machine >= 0) host->set_property(kMachineProperty, std::to_string(leaf.machine));
    auto* link = create_duplex_link(zone, gpu_name + "-link",
                                    leaf.machine < 0 ? LinkSpec{kBackplaneBandwidth, 0} : leaf.intra);
    intra_node_links().insert(link->get_link_up());
    intra_node_links().insert(link->get_link_down());
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                    {sg4::LinkInRoute(link, sg4::LinkInRoute::Direction::UP)}, false);
    zone->add_route(nullptr, host->get_netpoint(), nullptr, nullptr,
                    {sg4::LinkInRoute(link, sg4::LinkInRoute::Direction::DOWN)}, false);
    if (own_nic_path) {
      auto* pcie = create_duplex_link(zone, gpu_name + "-pcie", LinkSpec{kBackplaneBandwidth, leaf.intra.latency});
      intra_node_links().insert(pcie->get_link_up());
      intra_node_links().insert(pcie->get_link_down());
      zone->add_bypass_route(host->get_netpoint(), gateway, nullptr, nullptr,
                             {sg4::LinkInRoute(pcie, sg4::LinkInRoute::Direction::UP)});
      zone->add_bypass_route(gateway, host->get_netpoint(), nullptr, nullptr,
                             {sg4::LinkInRoute(pcie, sg4::LinkInRoute::Direction::DOWN)});
    }
    leaf.hosts.push_back(host);
  }
  zone->seal();
  leaf.netpoint = zone->get_netpoint();
  leaf.gateway = gateway;

  return {leaf.netpoint, leaf.gateway};
}

void ClusterLeaves::add_intra_machine_routes(sg4::NetZone* fabric) const {
  if (nics_ == 1) return;
  for (size_t first = 0; first + nics_ <= leaves_.size() && leaves_[first].machine >= 0; first += nics_) {
    sg4::Link* backplane = fabric->create_link(leaves_[first].name + "-backplane", kBackplaneBandwidth)
                               ->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)
                               ->set_latency(0)
                               ->seal();
    intra_node_links().insert(backplane);
    for (int a = 0; a < nics_; ++a)
      for (int b = 0; b < nics_; ++b) {
        if (a == b) continue;
        const Leaf& la = leaves_[first + a];
        const Leaf& lb = leaves_[first + b];
        fabric->add_bypass_route(la.netpoint, lb.netpoint, la.hub ? la.hub : la.gateway, lb.hub ? lb.hub : lb.gateway,
                                 {sg4::LinkInRoute(backplane)});
      }
  }
}

std::vector<sg4::Host*> ClusterLeaves::hosts() const {
  std::vector<sg4::Host*> out;
  for (const Leaf& leaf : leaves_) out.insert(out.end(), leaf.hosts.begin(), leaf.hosts.end());
  return out;
}

void ClusterLeaves::apply_overrides() const {
  if (s_.network.overrides.empty()) return;
  // NIC ports: the first fabric link of every route leaving the NIC and the last of every route entering it.
  auto fabric_only = [](const std::vector<sg4::Link*>& route) {
    std::vector<sg4::Link*> out;
    for (sg4::Link* l : route)
      if (!intra_node_links().count(l)) out.push_back(l);
    return out;
  };
  for (const LinkOverride& o : s_.network.overrides) {
    if (o.bandwidth <= 0 && o.latency < 0) continue;  // intra-node only: applied when building
    std::set<sg4::Link*> ports;
    for (size_t i = 0; i < leaves_.size(); ++i) {
      const Leaf& leaf = leaves_[i];
      if (leaf.machine < o.first_node || leaf.machine > o.last_node) continue;
      if (o.nic >= 0 && static_cast<int>(i % nics_) != o.nic) continue;
      for (size_t j = 0; j < leaves_.size(); ++j) {
        if (leaves_[j].machine == leaf.machine && leaf.machine >= 0) continue;
        std::vector<sg4::Link*> out_route, in_route;
        double latency = 0;
        leaf.hosts.front()->route_to(leaves_[j].hosts.front(), out_route, &latency);
        leaves_[j].hosts.front()->route_to(leaf.hosts.front(), in_route, &latency);
        const auto out_fabric = fabric_only(out_route), in_fabric = fabric_only(in_route);
        if (!out_fabric.empty()) ports.insert(out_fabric.front());
        if (!in_fabric.empty()) ports.insert(in_fabric.back());
      }
    }
    for (sg4::Link* link : ports) {
      if (o.bandwidth > 0) link->set_bandwidth(o.bandwidth);
      if (o.latency >= 0) link->set_latency(o.latency);
    }
  }
}

}  // namespace dtsim
