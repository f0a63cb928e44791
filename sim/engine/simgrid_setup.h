// The one place that starts SimGrid for a scenario: its base network model (CM02; the per-tier
// factors of "tcp" and network.profile are installed on the built platform by network_tiers.h) and
// the actor context settings. Used by `dtsim run` (engine.cpp), `dtsim collective` and the tests, so
// every simulation of a scenario runs under the same settings.
#pragma once
#include <memory>

#include <simgrid/s4u.hpp>

#include "sim/scenario/scenario.h"

namespace dtsim {

// A SimGrid engine for `scenario` (program name `program` in SimGrid's own messages), whose
// algorithm runs `servers` parameter servers. SimGrid allows one engine per process.
std::unique_ptr<simgrid::s4u::Engine> start_simgrid(const char* program, const Scenario& scenario, int servers = 0);

}  // namespace dtsim
