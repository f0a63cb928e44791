// One simulated run from a parsed scenario to its summary: the sequence `dtsim run` uses and every
// sweep point repeats (in its own child process: SimGrid allows one simulation per process).
#pragma once
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace dtsim {

// Simulates `scenario` and returns summary.json's content (wall_time_s included). With write_outputs,
// also writes iterations.csv, trace.json (if scenario.output.trace) and summary.json (last) into
// scenario.output.dir, which must exist (prepare_output_dir), all at once (OutputSwap). Throws on failure.
nlohmann::json simulate_and_summarize(const Scenario& scenario, bool write_outputs);

}  // namespace dtsim
