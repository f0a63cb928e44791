#include "sim/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <simgrid/s4u.hpp>

#include "sim/plugin/training_algorithm.h"
#include "sim/engine/rank_context.h"
#include "sim/engine/server_links.h"
#include "sim/base/problems.h"
#include "sim/engine/job_supervisor.h"
#include "sim/engine/simgrid_setup.h"
#include "sim/engine/network_tiers.h"
#include "sim/engine/numeric_workload.h"
#include "sim/engine/straggler_model.h"
#include "sim/engine/workload.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

// Each jitter period redraws every link (one SimGrid bandwidth update each). A run needing more
// updates than this cannot finish in reasonable time (measured: 50 million updates took 46 s of wall
// time, so this stops within about 20 s); e.g. sigma 10 makes most draws near e^-50, so that one
// transfer spans billions of periods.
constexpr std::int64_t kMaxJitterUpdates = 20'000'000;

// Network jitter: every period, each link's bandwidth becomes nominal x a mean-1 lognormal draw.
// Links are taken in name order so that link numbers (and so the draws) do not depend on how
// SimGrid stores them. Past kMaxJitterUpdates it stops the simulation and sets `exhausted`.
void start_network_jitter(sg4::Engine& engine, StragglerModel& model, sg4::Host* host, bool& exhausted) {
  std::vector<sg4::Link*> links = engine.get_all_links();
  std::sort(links.begin(), links.end(), [](sg4::Link* a, sg4::Link* b) { return a->get_name() < b->get_name(); });
  std::vector<double> nominal;
  for (sg4::Link* l : links) nominal.push_back(l->get_bandwidth());
  sg4::Actor::create("network_jitter", host, [links, nominal, &model, &exhausted] {
    sg4::Actor::self()->daemonize();
    const std::int64_t periods = kMaxJitterUpdates / std::max<std::int64_t>(1, static_cast<std::int64_t>(links.size()));
    for (std::int64_t period = 0;; ++period) {
      if (period >= periods) {
        exhausted = true;
        sg4::Actor::kill_all();
        return;
      }
      for (std::size_t i = 0; i < links.size(); ++i) links[i]->set_bandwidth(nominal[i] * model.link_factor(i, period));
      sg4::this_actor::sleep_for(model.jitter_period());
    }
  });
}

// Builds the platform and gives each endpoint its host: GPU ranks, then the servers, a dedicated one
// on the next host built for it, a colocated one on its machine's last GPU host (the actors share the
// host; their transfers are intra-node).
void place_endpoints(const Scenario& scenario, const TrainingAlgorithm& algorithm, int servers, Cluster& cluster) {
  const int dedicated = algorithm.dedicated_servers(scenario);
  std::vector<sg4::Host*> built =
      PhysicalTopologyRegistry::create(scenario.network.topology, scenario.network.topology_options)
          ->build(scenario, dedicated);
  if (static_cast<int>(built.size()) != cluster.workers + dedicated)
    throw std::logic_error("topology built " + std::to_string(built.size()) + " hosts, expected " +
                           std::to_string(cluster.workers + dedicated));
  cluster.hosts.assign(built.begin(), built.begin() + cluster.workers);
  for (int s = 0, next = cluster.workers; s < servers; ++s) {
    const int machine = algorithm.server_machine(scenario, s);
    cluster.server_machines.push_back(machine);
    cluster.hosts.push_back(machine < 0 ? built[static_cast<std::size_t>(next++)]
                                        : built[static_cast<std::size_t>((machine + 1) * scenario.cluster.gpus_per_node - 1)]);
  }
}

// One actor per GPU rank, running its iterations (without a supervisor: it starts them itself).
void start_ranks(Cluster& cluster, TrainingAlgorithm& algorithm, Workload& workload, int iterations, RunResult& result,
                 int& finished_workers) {
  for (int w = 0; w < cluster.workers; ++w) {
    // Runs inside engine.run(), after this function returned: everything it uses outlives the run
    // (references to run_simulation's objects) or is copied (iterations, w).
    sg4::Actor::create("rank" + std::to_string(w), cluster.hosts[w],
                       [&cluster, &algorithm, &workload, &result, &finished_workers, iterations, w] {
      RankContext ctx(cluster, w);
      for (int it = 0; it < iterations; ++it) {
        ctx.begin_iteration(it);
        algorithm.worker_iteration(ctx, workload);
        const bool stop = workload.finish_iteration(ctx);  // evaluation, when charged, is in the iteration
        ctx.end_iteration();
        result.iterations_run = std::max(result.iterations_run, it + 1);
        if (stop || ctx.stop_requested()) break;
      }
      ++finished_workers;
    });
  }
}

// Servers serve until the workers are done: as daemons, they end with the last worker, so a run
// that stops early (target accuracy) needs no extra signalling.
void start_servers(Cluster& cluster, TrainingAlgorithm& algorithm, Workload& workload, int servers) {
  for (int s = 0; s < servers; ++s) {
    const int e = cluster.workers + s;
    sg4::Actor::create("server" + std::to_string(s), cluster.hosts[e], [&cluster, &algorithm, &workload, e, s] {
      sg4::Actor::self()->daemonize();
      RankContext ctx(cluster, e);
      for (int it = 0;; ++it) {
        ctx.begin_iteration(it);
        algorithm.server_iteration(ctx, s, workload);
        ctx.end_iteration();
      }
    });
  }
}

// After a supervised run: the ranks that finished, the failure log kept in `result`, and the runs that
// are errors (stopped before one iteration without recovery; a scheduled failure never reached).
int supervised_finish(JobSupervisor& supervisor, RunResult& result) {
  ResilienceLog log = supervisor.take_log();
  if (!log.cut_off.empty()) throw std::runtime_error(log.cut_off);
  const int finished = log.ended_by_failure ? result.workers : supervisor.finished_ranks();
  if (log.ended_by_failure && result.iterations_run == 0)
    throw std::runtime_error("the first failure (" + log.events.front().what + " at simulated time " +
                             std::to_string(log.events.front().begin) + " s) stopped the job before it completed "
                             "an iteration, and run.recovery is not given; nothing to report");
  // A scheduled failure the run never reached is a mistake in the scenario (unless an earlier
  // failure ended the run, policy "none").
  if (!log.ended_by_failure && !log.unreached.empty()) {
    std::vector<std::string> lines;
    for (const std::string& path : log.unreached)
      lines.push_back(path + "/at: is after the end of the run (simulated time " + std::to_string(result.sim_time_s) +
                      " s); allowed: a time before the run ends");
    throw BadInputError(lines);
  }
  result.resilience = std::move(log);
  return finished;
}

// Runs that ended without a result: jitter past its limit, or a deadlock.
void check_completed(const RunResult& result, bool jitter_exhausted, int finished_workers) {
  if (jitter_exhausted)
    throw std::runtime_error("stragglers.network_jitter: the run needed more than " +
                             std::to_string(kMaxJitterUpdates) + " link bandwidth updates (every period redraws " +
                             "every link) and was stopped at simulated time " + std::to_string(result.sim_time_s) +
                             " s; use a longer period or a smaller sigma");
  // SimGrid ends the run when no activity can progress, with ranks still waiting: a deadlock is an
  // error, not a result (e.g. a bandwidth so small that a transfer never completes).
  if (finished_workers < result.workers)
    throw std::runtime_error("the simulation deadlocked at simulated time " + std::to_string(result.sim_time_s) +
                             " s: " + std::to_string(result.workers - finished_workers) + " of " +
                             std::to_string(result.workers) + " ranks never finished (SimGrid found activities "
                             "that can never complete)");
}

}  // namespace

RunResult run_simulation(const Scenario& scenario) {
  static bool used = false;
  if (used) throw std::logic_error("run_simulation: SimGrid allows one simulation per process");
  used = true;

  const auto wall_begin = std::chrono::steady_clock::now();
  std::unique_ptr<TrainingAlgorithm> algorithm =
      TrainingAlgorithmRegistry::create(scenario.algorithm.name, scenario.algorithm.options);
  const int servers = algorithm->server_count(scenario);
  std::unique_ptr<sg4::Engine> engine_owner = start_simgrid("dtsim", scenario, servers);
  sg4::Engine& engine = *engine_owner;

  RunResult result;
  result.recorder = Recorder(scenario.output.trace);
  result.workers = scenario.cluster.ranks();
  result.servers = servers;
  result.shards_per_server = algorithm->shards_per_server(scenario);
  result.synchronous = algorithm->synchronous(scenario);
  if (result.synchronous)  // (asynchronous workers run as many iterations as their speed allows)
    result.recorder.expect_iterations(static_cast<std::size_t>(result.workers + servers) *
                                      static_cast<std::size_t>(std::max(scenario.run.iterations, 0)));
  Cluster cluster{scenario, {}, result.workers, result.recorder};
  place_endpoints(scenario, *algorithm, servers, cluster);
  // A server standing for k symmetric shards gets k times one shard's link (ps_shard_merge.h).
  if (const int k = result.shards_per_server; k > 1)
    for (int s = 0; s < servers; ++s)
      widen_server_links(cluster.hosts[static_cast<std::size_t>(cluster.workers + s)], cluster.hosts[0],
                         cluster.hosts[static_cast<std::size_t>(scenario.cluster.gpus_per_node)], k);
  install_network_tiers(engine, scenario.network);
  std::unique_ptr<LinkUsageMeter> link_meter;
  if (scenario.output.links) {
    link_meter = std::make_unique<LinkUsageMeter>(cluster.hosts);
    cluster.links = link_meter.get();
  }

  std::unique_ptr<OverlapInterference> interference;
  if (scenario.workload.overlap_slowdown > 0) {
    interference = std::make_unique<OverlapInterference>(scenario.workload.overlap_slowdown, cluster.hosts);
    cluster.interference = interference.get();
  }
  StragglerModel stragglers(scenario.stragglers, scenario.seed, result.workers);
  if (scenario.stragglers.any()) cluster.stragglers = &stragglers;
  bool jitter_exhausted = false;
  if (stragglers.has_jitter()) start_network_jitter(engine, stragglers, cluster.hosts[0], jitter_exhausted);

  std::unique_ptr<Workload> workload;
  NumericWorkload* numerics = nullptr;
  if (scenario.workload.numerics.enabled) {
    auto owned = std::make_unique<NumericWorkload>(scenario, algorithm->keeps_replicas_identical(),
                                                    algorithm->worker_iteration_limit(scenario));
    numerics = owned.get();
    workload = std::move(owned);
  } else {
    workload = std::make_unique<TimingWorkload>(scenario);
  }
  const int iterations = algorithm->worker_iteration_limit(scenario);
  int finished_workers = 0;
  // With failures or checkpoints, a supervisor actor starts the ranks (and restarts them).
  std::unique_ptr<JobSupervisor> supervisor;
  if (scenario.failures.any() || scenario.run.recovery.enabled()) {
    supervisor = std::make_unique<JobSupervisor>(cluster, *algorithm, *workload, iterations, result);
    supervisor->start(cluster.hosts[0]);
  } else {
    start_ranks(cluster, *algorithm, *workload, iterations, result, finished_workers);
  }
  start_servers(cluster, *algorithm, *workload, servers);
  engine.run();
  result.sim_time_s = sg4::Engine::get_clock();
  RankContext::release_abandoned_transfers();  // before the engine goes (they point into it)
  if (supervisor) finished_workers = supervised_finish(*supervisor, result);
  check_completed(result, jitter_exhausted, finished_workers);
  if (numerics) result.numerics = numerics->take_log();
  if (link_meter) result.links = link_meter->measure(result.sim_time_s);
  result.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_begin).count();
  return result;
}

}  // namespace dtsim
