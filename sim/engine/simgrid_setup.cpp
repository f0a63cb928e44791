#include "sim/engine/simgrid_setup.h"

#include <string>

#include <xbt/log.h>

#include "sim/engine/actor_contexts.h"
#include "sim/engine/reply_couriers.h"
#include "sim/engine/stack_arena.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

// Every model is CM02 (pure alpha-beta: time = latency + size / bandwidth, max-min sharing, no TCP
// window, no reverse-direction ACK traffic). "tcp" and network.profile add per-tier factors once the
// platform is built (sim/engine/network_tiers.h), so NVLink inside a machine never gets TCP's factors.
void configure_network_model(sg4::Engine& engine, const std::string& solver) {
  engine.set_config("network/model:CM02");
  engine.set_config("network/crosstraffic:0");
  engine.set_config("network/TCP-gamma:0");
  // network.solver "full" (the default): complete max-min solves, not SimGrid 3.32's default lazy
  // (selective) updates, which let every receiver but the first of one instant take data faster than
  // its link when flows start together in their latency phase (8 senders to 3 receivers, 120 kB each
  // over 1.25 GB/s links with 2 us latency: 223 us instead of 772 us; bare SimGrid reproduces it, and
  // it is gone with "Full" or with zero latency: a flow leaving its latency phase marks for the
  // selective solve only its route's first link, and nothing when a flow enabled at the same instant
  // already marked it, so its other links are left out; docs/networks.md). "lazy" keeps SimGrid's
  // default: a full solve costs every flow in flight, which thousands of flows ending at different
  // instants make quadratic.
  engine.set_config(solver == "lazy" ? "network/optim:Lazy" : "network/optim:Full");
}

// Actors a run creates at most at once: one per rank, a communication stream per rank with gradient
// fusion, the servers and their reply couriers, and a margin for the supervisor and helpers.
long expected_actors(const Scenario& scenario, int servers) {
  const long ranks = scenario.cluster.ranks();
  const long per_rank = scenario.workload.fusion.overlaps() ? 2 : 1;
  const long couriers = servers > 0 ? servers * ReplyCouriers::couriers_for(ranks, servers) : 0;
  return ranks * per_rank + servers + couriers + ranks / 8 + 64;
}

}  // namespace

std::unique_ptr<sg4::Engine> start_simgrid(const char* program, const Scenario& scenario, int servers) {
  static std::string name;  // SimGrid keeps argv[0]
  name = program;
  int argc = 1;
  char* argv[] = {name.data(), nullptr};
  xbt_log_control_set("root.thresh:warning");
  auto engine = std::make_unique<sg4::Engine>(&argc, argv);
  configure_network_model(*engine, scenario.network.solver);
  const ContextSettings contexts = context_settings(expected_actors(scenario, servers), system_max_map_count());
  engine->set_config("contexts/stack-size:" + std::to_string(contexts.stack_kib));  // KiB: virtual, touched pages only
  engine->set_config("contexts/guard-size:" + std::to_string(contexts.guard_pages));
  if (contexts.guard_pages == 0) {
    // Room for more actors than expected: past the arena, stacks come from calloc as usual.
    const long slots = expected_actors(scenario, servers) + 1024;
    if (!stacks_from_arena() ||
        !actor_stack_arena().reserve(static_cast<std::size_t>(slots), static_cast<std::size_t>(contexts.stack_kib) * 1024))
      keep_stacks_out_of_the_heap();
  }
  return engine;
}

}  // namespace dtsim
