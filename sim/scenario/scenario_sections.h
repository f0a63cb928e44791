// Readers of the scenario sections that need more than a few lines (called by parse_scenario).
#pragma once
#include "sim/base/json_reader.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

// /workload: a catalog model (timing only), a real model with its data and optimizer (numerics),
// or explicit params + compute_time. Needs /cluster read first (GPU rate, rank count).
void read_workload(JsonReader& root, Scenario& s, const OptionContext& context);
// /workload/fusion: the gradient fusion policy, a "fusion" plugin (none, ddp, horovod) with its options.
Option fusion_option(FusionSpec& fusion);
// /workload/layers: [params, flops] pairs, or parameter counts (flops then taken equal to params).
std::vector<LayerProfile> read_layers(JsonReader& workload);
json layers_schema();
// /algorithm: the name, then the keys that algorithm declared (its options).
void read_algorithm(JsonReader& root, Scenario& s, const OptionContext& context);
// /run/iterations or /run/epochs (resolved to iterations). Needs /workload read first.
void read_run_length(JsonReader& run, Scenario& s);

// The scenario's declared sections: each Option reads its section into `s` (bound to it) and states its
// JSON Schema (sim/scenario/scenario_schema.cpp assembles them). /workload reads each key through its
// declaration, in the order its defaults need (they depend on the model, the catalog and the cluster);
// /workload/layers is the one key with a hand-written reader and schema (a list of numbers or pairs).
Option workload_section(Scenario& s);
// /stragglers: rank speed factors, compute noise (a "noise" plugin), slowdowns, Markov slow state,
// network jitter. Read after /cluster (rank numbers are checked against it).
Option stragglers_section(Scenario& s);
Option algorithm_section(Scenario& s);
// /failures (failure processes and scheduled events) and /run/recovery (checkpoint/restart); both leave
// the resolved scenario untouched when absent. Need /cluster and /workload read first.
Option failures_section(Scenario& s);
Option recovery_option(Scenario& s);
// Every top-level key of a scenario, in reading order. `context` is filled as the sections it
// depends on are read (seed, name, cluster shape), so later defaults can use it.
OptionList scenario_options(Scenario& s, OptionContext& context);

}  // namespace dtsim
