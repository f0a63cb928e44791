// A physical topology builds the SimGrid platform for a scenario: one host per GPU (ranks 0..p-1 in
// machine-major order) followed by `extra_hosts` hosts on their own links (parameter servers).
// Implementations live one per file and register by name (sim/registry.h).
#pragma once
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/json_reader.h"
#include "sim/registry.h"
#include "sim/scenario.h"

namespace dtsim {

class PhysicalTopology {
 public:
  virtual ~PhysicalTopology() = default;
  // Topology-specific checks (e.g. a fat-tree's leaf count), reported with JSON paths.
  virtual void validate(const Scenario&, int /*extra_hosts*/, ErrorList&) const {}
  // Called once, after the network model is configured and before the simulation starts.
  virtual std::vector<simgrid::s4u::Host*> build(const Scenario&, int extra_hosts) const = 0;
};

using PhysicalTopologyRegistry = Registry<PhysicalTopology>;

}  // namespace dtsim
