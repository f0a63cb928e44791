#include "sim/engine/simgrid_setup.h"

#include <string>

#include <xbt/log.h>

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

// Every model is CM02 (pure alpha-beta: time = latency + size / bandwidth, max-min sharing, no TCP
// window, no reverse-direction ACK traffic). "tcp" and network.profile add per-tier factors once the
// platform is built (sim/engine/network_tiers.h), so NVLink inside a machine never gets TCP's factors.
void configure_network_model(sg4::Engine& engine) {
  engine.set_config("network/model:CM02");
  engine.set_config("network/crosstraffic:0");
  engine.set_config("network/TCP-gamma:0");
}

}  // namespace

std::unique_ptr<sg4::Engine> start_simgrid(const char* program, const Scenario& /*scenario*/) {
  static std::string name;  // SimGrid keeps argv[0]
  name = program;
  int argc = 1;
  char* argv[] = {name.data(), nullptr};
  xbt_log_control_set("root.thresh:warning");
  auto engine = std::make_unique<sg4::Engine>(&argc, argv);
  configure_network_model(*engine);
  engine->set_config("contexts/stack-size:1024");  // KiB; thousands of actors stay cheap
  return engine;
}

}  // namespace dtsim
