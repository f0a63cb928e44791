#include "sim/engine.h"

#include <chrono>
#include <stdexcept>

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include "algorithms/training/training_algorithm.h"
#include "sim/rank_context.h"
#include "sim/workload.h"
#include "topologies/physical/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

void configure_network_model(sg4::Engine& engine, const std::string& model) {
  if (model == "exact") {
    // Pure alpha-beta: time = latency + size / bandwidth, max-min sharing, no TCP window, no
    // reverse-direction ACK traffic.
    engine.set_config("network/model:CM02");
    engine.set_config("network/crosstraffic:0");
    engine.set_config("network/TCP-gamma:0");
  } else {
    engine.set_config("network/model:LV08");  // SimGrid's default TCP model with its factors
  }
}

}  // namespace

RunResult run_simulation(const Scenario& scenario) {
  static bool used = false;
  if (used) throw std::logic_error("run_simulation: SimGrid allows one simulation per process");
  used = true;

  const auto wall_begin = std::chrono::steady_clock::now();
  int argc = 1;
  char name[] = "dtsim";
  char* argv[] = {name, nullptr};
  xbt_log_control_set("root.thresh:warning");
  sg4::Engine engine(&argc, argv);
  configure_network_model(engine, scenario.network.model);
  engine.set_config("contexts/stack-size:1024");  // KiB; thousands of actors stay cheap

  std::unique_ptr<TrainingAlgorithm> algorithm = TrainingAlgorithmRegistry::create(scenario.algorithm.name);
  const int servers = algorithm->server_count(scenario);

  RunResult result;
  result.recorder = Recorder(scenario.output.trace);
  result.workers = scenario.cluster.ranks();
  result.servers = servers;
  Cluster cluster{scenario, {}, result.workers, result.recorder};
  cluster.hosts = PhysicalTopologyRegistry::create(scenario.network.topology)->build(scenario, servers);
  if (static_cast<int>(cluster.hosts.size()) != result.workers + servers)
    throw std::logic_error("topology built " + std::to_string(cluster.hosts.size()) + " hosts, expected " +
                           std::to_string(result.workers + servers));

  TimingWorkload workload(scenario);
  const int iterations = scenario.run.iterations;
  for (int e = 0; e < static_cast<int>(cluster.hosts.size()); ++e) {
    const bool is_worker = e < result.workers;
    sg4::Actor::create(is_worker ? "rank" + std::to_string(e) : "server" + std::to_string(e - result.workers),
                       cluster.hosts[e], [&, e, is_worker] {
                         RankContext ctx(cluster, e);
                         for (int it = 0; it < iterations; ++it) {
                           ctx.begin_iteration(it);
                           if (is_worker) algorithm->worker_iteration(ctx, workload);
                           else algorithm->server_iteration(ctx, e - result.workers);
                           ctx.end_iteration();
                         }
                       });
  }
  engine.run();
  result.sim_time_s = sg4::Engine::get_clock();
  result.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_begin).count();
  return result;
}

}  // namespace dtsim
