// Machines of the cluster as SimGrid netpoints, shared by every fabric.
//
// A machine with G GPUs and K NICs (network.nics_per_node) is K fabric ports ("leaves"): NIC k serves
// GPUs k*G/K .. (k+1)*G/K - 1 (contiguous blocks, as PCIe switches pair GPUs with NICs on DGX-class
// machines). Routing rule: a GPU's traffic to another machine always leaves and enters through its own
// NIC; traffic between GPUs of one machine stays on the intra-node links (GPU link up, GPU link down),
// whichever NICs they sit behind. One GPU and one NIC: the leaf is the GPU host itself. Otherwise each
// leaf is a star zone of its GPU hosts on split-duplex intra-node links behind a gateway router (the
// NIC); GPUs behind different NICs of one machine reach each other by a bypass route through the
// machine's backplane (a zero-latency, unshared link that never limits). On NVLink machines a GPU
// reaches its NIC over a PCIe link of its own (a bypass route inside the leaf; intra-node latency,
// never limits), and the cross-leaf bypass enters and leaves leaves through their NVLink hub.
//
// Leaves are numbered machine-major: leaf m*K + k is NIC k of machine m, then one leaf per server,
// then spare fabric positions (routers, no hosts).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/base/json_reader.h"
#include "sim/plugin/physical_topology.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

// SimGrid 3.32 checks every new host and link name, and lists a zone's hosts when sealing it, by
// walking every zone attached to the platform's root: filling zones after N machines are attached
// costs O(N) each, O(N^2) in all (8,192 machines of 8 GPUs: minutes). So platforms are filled
// detached and attached when complete. A detached zone needs the models that NetZone::set_parent
// would copy from its parent: this copies them from `parent` without attaching.
void inherit_models(simgrid::s4u::NetZone* zone, const simgrid::s4u::NetZone* parent);

// The platform's root, made before the fabric so that the fabric can be filled detached from it. It
// holds only the fabric (routes between hosts never leave the fabric).
simgrid::s4u::NetZone* create_platform_root();
// Attaches the completed fabric to the root and seals both.
void attach_fabric(simgrid::s4u::NetZone* fabric, simgrid::s4u::NetZone* platform);

// A split-duplex link: traffic in each direction has the full bandwidth, as on real NICs.
simgrid::s4u::SplitDuplexLink* create_duplex_link(simgrid::s4u::NetZone* zone, const std::string& name,
                                                 const LinkSpec& spec);

// Fabric ports the scenario needs: nodes x nics_per_node + extra_hosts (servers).
long fabric_ports(const Scenario& s, int extra_hosts);

// Checks shared by every topology: nics_per_node against gpus_per_node, override node/NIC ranges.
void validate_machines(const Scenario& s, ErrorList& errors);

// A topology of machines on a fabric: the shared machine checks, then the fabric's own.
class FabricTopology : public PhysicalTopology {
 public:
  void validate(const Scenario& s, int extra_hosts, ErrorList& errors) const final {
    validate_machines(s, errors);
    validate_fabric(s, extra_hosts, errors);
  }
  // Fabric-specific checks (e.g. a fat-tree's leaf count).
  virtual void validate_fabric(const Scenario&, int /*extra_hosts*/, ErrorList&) const {}
};

class ClusterLeaves {
 public:
  ClusterLeaves(const Scenario& s, int extra_hosts);

  long used() const { return static_cast<long>(leaves_.size()); }  // machine NICs + servers
  const std::string& name(long index) const { return leaves_.at(index).name; }  // "node3", "node3-nic1", "server0"
  // Creates leaf `index` inside `zone` (a fabric builder's callback): {netpoint, gateway or nullptr}.
  // Indices >= used() become routers (spare positions).
  std::pair<simgrid::kernel::routing::NetPoint*, simgrid::kernel::routing::NetPoint*> create(
      simgrid::s4u::NetZone* zone, unsigned long index);
  // Routes between the NICs of one machine through its backplane; call on the fabric zone before sealing.
  void add_intra_machine_routes(simgrid::s4u::NetZone* fabric) const;
  // GPU ranks machine-major, then servers.
  std::vector<simgrid::s4u::Host*> hosts() const;
  // network.overrides on NIC ports; call after the fabric is sealed.
  void apply_overrides() const;

 private:
  struct Leaf {
    std::string name;
    int machine = -1;  // -1: a server
    int gpus = 1;
    LinkSpec intra;
    simgrid::kernel::routing::NetPoint* netpoint = nullptr;
    simgrid::kernel::routing::NetPoint* gateway = nullptr;  // the NIC: traffic to other machines
    simgrid::kernel::routing::NetPoint* hub = nullptr;      // NVLink machines: traffic to the machine's other NICs' GPUs
    std::vector<simgrid::s4u::Host*> hosts;
  };
  const Scenario& s_;
  int nics_ = 1;
  std::vector<Leaf> leaves_;
  std::vector<simgrid::s4u::Link*> backplanes_;  // per machine with several NICs
};

}  // namespace dtsim
