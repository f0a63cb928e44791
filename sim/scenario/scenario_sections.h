// Readers of the scenario sections that need more than a few lines (called by parse_scenario).
#pragma once
#include "sim/base/json_reader.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

// /workload: a catalog model (timing only), a real model with its data and optimizer (numerics),
// or explicit params + compute_time. Needs /cluster read first (GPU rate, rank count).
void read_workload(JsonReader& root, Scenario& s);
// /algorithm: the name, then the keys that algorithm declared (its options).
void read_algorithm(JsonReader& root, Scenario& s, const OptionContext& context);
// /stragglers: rank speed factors, compute noise, slowdowns, Markov slow state, network jitter.
// Needs /cluster read first (rank numbers are checked).
void read_stragglers(JsonReader& root, Scenario& s);
// /run/iterations, /run/epochs, /run/target_accuracy, /run/eval_every. Needs /workload read first.
void read_run_length(JsonReader& run, Scenario& s);

}  // namespace dtsim
