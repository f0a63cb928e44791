// Readers of the scenario sections that need more than a few lines (called by parse_scenario).
#pragma once
#include "sim/base/json_reader.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

// /workload: a catalog model (timing only), a real model with its data and optimizer (numerics),
// or explicit params + compute_time. Needs /cluster read first (GPU rate, rank count).
void read_workload(JsonReader& root, Scenario& s);
// /workload/fusion: the gradient fusion policy (none, ddp, horovod) and its options.
void read_fusion(JsonReader& workload, FusionSpec& fusion);
// /workload/layers: [params, flops] pairs, or parameter counts (flops then taken equal to params).
std::vector<LayerProfile> read_layers(JsonReader& workload);
json fusion_schema();
json layers_schema();
// /algorithm: the name, then the keys that algorithm declared (its options).
void read_algorithm(JsonReader& root, Scenario& s, const OptionContext& context);
// /stragglers: rank speed factors, compute noise, slowdowns, Markov slow state, network jitter.
// Needs /cluster read first (rank numbers are checked).
void read_stragglers(JsonReader& root, Scenario& s);
// /run/iterations or /run/epochs (resolved to iterations). Needs /workload read first.
void read_run_length(JsonReader& run, Scenario& s);

// The scenario's declared sections: each Option reads its section into `s` (bound to it) and states its
// JSON Schema (sim/scenario/scenario_schema.cpp assembles them). /workload and /stragglers are read
// imperatively; their schema fragments are declared beside their readers.
Option workload_section(Scenario& s);
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
