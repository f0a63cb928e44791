// Runs one collective operation on a scenario's platform, outside any training algorithm: the
// harness behind the collectives tests and `dtsim collective`. SimGrid allows one simulation per
// process, so callers run it in a child (sim/app/child_process.h).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "algorithms/collectives/collective.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

struct CollectiveSpec {
  // "allreduce" (algorithm: a registered allreduce), "reduce_scatter" / "allgather" ("ring"),
  // "broadcast" / "reduce" ("binomial", root 0), "neighbor_exchange" ("ring": both ring neighbours).
  std::string operation = "allreduce";
  std::string algorithm = "ring";
  double bytes = 0;           // per rank (the full vector for reduce-scatter and allgather)
  bool check_values = false;  // carry bytes/4 real floats and check every rank's result
  Fidelity fidelity = Fidelity::Step;
  int repeat = 1;             // back-to-back operations
};

struct CollectiveOutcome {
  double time_s = 0;     // simulated time until the last rank finished (all start at 0)
  long checked = 0;      // values checked over all ranks (check_values)
  long wrong = 0;        // of which wrong
  double wall_s = 0;     // host time of the simulation
};

// Every (operation, algorithm) pair the harness knows, allreduce algorithms from the registry.
std::vector<std::pair<std::string, std::string>> known_collectives();

// Simulates `spec` on the scenario's platform (topology, links, network model, GPUs per node).
CollectiveOutcome run_collective(const Scenario& scenario, const CollectiveSpec& spec);

// The platform's alpha-beta parameters as seen by the closed forms: alpha = GPU-to-GPU route across
// machines (2 NIC latencies + 2 intra-node latencies when gpus_per_node > 1), beta = 1/NIC bandwidth,
// alpha_local/beta_local = GPU-to-GPU route inside a machine. Exact for the "switch" topology.
CostModel cost_model(const Scenario& scenario, double bytes);

// The closed form of `spec` on the scenario's platform (one operation).
double closed_form_time(const Scenario& scenario, const CollectiveSpec& spec);

}  // namespace dtsim
