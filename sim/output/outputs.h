// The run's files in output.dir: summary.json, iterations.csv and (optionally) trace.json, each
// written atomically; plus the human-readable summary printed on the terminal.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/engine/engine.h"
#include "sim/output/metrics.h"

namespace dtsim {

// Creates `dir` if needed, checks that files can be written there and removes the temporaries that
// killed writers left in it (remove_stale_temporaries); returns an error message or "".
std::string prepare_output_dir(const std::string& dir);

void write_summary_json(const std::string& path, const nlohmann::json& summary);
void write_iterations_csv(const std::string& path, const std::vector<IterationRow>& rows);
// Chrome trace event format (Perfetto, chrome://tracing): one process per machine, one track per rank.
void write_trace_json(const std::string& path, const Scenario& scenario, const RunResult& run);

void print_summary(std::ostream& out, const nlohmann::json& summary, const std::string& dir);

}  // namespace dtsim
