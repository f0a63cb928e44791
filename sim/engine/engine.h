// One simulated run: configure SimGrid's network model, build the platform, start one actor per
// endpoint, run, and hand back what the recorder saw. SimGrid allows one engine per process, so a
// process calls this at most once (sweeps fork a child per point).
#pragma once
#include <optional>

#include "sim/engine/link_usage.h"
#include "sim/engine/numeric_workload.h"
#include "sim/engine/recorder.h"
#include "sim/engine/resilience_log.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

struct RunResult {
  Recorder recorder{false};
  int workers = 0;
  int servers = 0;            // simulated server endpoints
  int shards_per_server = 1;  // shards each stands for (TrainingAlgorithm::shards_per_server)
  bool synchronous = true;  // ranks in lockstep (see TrainingAlgorithm::synchronous)
  int iterations_run = 0;  // fewer than scenario.run.iterations when a target accuracy stopped the run
  std::optional<NumericsLog> numerics;
  std::optional<ResilienceLog> resilience;  // with /failures or /run/recovery
  std::vector<LinkUsage> links;             // with output.links: every link, in name order
  double sim_time_s = 0;
  double wall_time_s = 0;  // host time of the whole run (informative only; not deterministic)
};

RunResult run_simulation(const Scenario& scenario);

}  // namespace dtsim
