// The run's files in output.dir: summary.json, iterations.csv (and trace.json: trace_writer.h;
// links.csv: link_usage_csv.h), each written atomically; plus the summary printed on the terminal.
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

void print_summary(std::ostream& out, const nlohmann::json& summary, const std::string& dir);

}  // namespace dtsim
