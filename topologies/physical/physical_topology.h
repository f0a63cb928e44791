// A physical topology builds the SimGrid platform for a scenario: one host per GPU (ranks 0..p-1 in
// machine-major order) followed by `extra_hosts` hosts on their own links (parameter servers).
// Machines, NICs and overrides are shared (machine.h); a topology builds the fabric between the
// leaves of a ClusterLeaves.
// Implementations live one per file and register by name (sim/registry.h).
#pragma once
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/json_reader.h"
#include "sim/registry.h"
#include "sim/scenario.h"
#include "topologies/physical/machine.h"

namespace dtsim {

class PhysicalTopology {
 public:
  virtual ~PhysicalTopology() = default;
  // Checks shared by all machines (NICs, overrides), then the fabric's own, reported with JSON paths.
  void validate(const Scenario& s, int extra_hosts, ErrorList& errors) const {
    validate_machines(s, errors);
    validate_fabric(s, extra_hosts, errors);
  }
  // Fabric-specific checks (e.g. a fat-tree's leaf count).
  virtual void validate_fabric(const Scenario&, int /*extra_hosts*/, ErrorList&) const {}
  // Called once, after the network model is configured and before the simulation starts.
  virtual std::vector<simgrid::s4u::Host*> build(const Scenario&, int extra_hosts) const = 0;
};

using PhysicalTopologyRegistry = Registry<PhysicalTopology>;

}  // namespace dtsim
