// A physical topology builds the SimGrid platform for a scenario: one host per GPU (ranks 0..p-1 in
// machine-major order) followed by `extra_hosts` hosts on their own links (parameter servers).
// Implementations live one per file (topologies/physical/) and register by name with the /network keys
// they own (a fat-tree owns "fat_tree", a torus "torus"), constructed with those keys' values.
#pragma once
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/base/json_reader.h"
#include "sim/base/registry.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

// Every GPU host carries its machine's index in this property (set by the topology), so that the
// network tiers can tell a message inside one machine from one between machines. Hosts without it
// (parameter servers) are machines of their own.
inline constexpr const char* kMachineProperty = "dtsim_machine";

class PhysicalTopology {
 public:
  static constexpr const char* family = "topology";  // /network/topology
  virtual ~PhysicalTopology() = default;
  // Checks of the scenario against this platform (machines, NICs, overrides, the fabric's size),
  // reported with JSON paths.
  virtual void validate(const Scenario& s, int extra_hosts, ErrorList& errors) const = 0;
  // Called once, after the network model is configured and before the simulation starts.
  virtual std::vector<simgrid::s4u::Host*> build(const Scenario&, int extra_hosts) const = 0;
};

using PhysicalTopologyRegistry = Registry<PhysicalTopology>;

}  // namespace dtsim
