// One machine of the cluster as a SimGrid netpoint. With one GPU the machine is the GPU host itself;
// with several, a star zone of GPU hosts on intra-node links (NVLink/PCIe) behind a gateway router
// that the fabric connects to the machine's NIC link.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/scenario.h"

namespace dtsim {

struct MachineNetpoint {
  simgrid::kernel::routing::NetPoint* netpoint = nullptr;  // host or zone
  simgrid::kernel::routing::NetPoint* gateway = nullptr;   // nullptr for a single host
};

// Creates machine `index` with `gpus` hosts inside `parent`, appending them to `hosts`.
MachineNetpoint create_machine(simgrid::s4u::NetZone* parent, const std::string& name, int gpus,
                               const LinkSpec& intra_node, std::vector<simgrid::s4u::Host*>& hosts);

// A split-duplex link: traffic in each direction has the full bandwidth, as on real NICs.
simgrid::s4u::SplitDuplexLink* create_duplex_link(simgrid::s4u::NetZone* zone, const std::string& name,
                                                 const LinkSpec& spec);

}  // namespace dtsim
