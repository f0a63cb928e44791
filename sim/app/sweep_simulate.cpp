#include "sim/app/sweep_simulate.h"

#include <vector>

#include "sim/engine/engine.h"
#include "sim/output/metrics.h"
#include "sim/output/outputs.h"

namespace dtsim {

nlohmann::json simulate_and_summarize(const Scenario& scenario, bool write_outputs) {
  RunResult run = run_simulation(scenario);
  std::vector<IterationRow> rows = iteration_rows(scenario, run);
  nlohmann::json summary = summarize(scenario, run, rows);
  summary["wall_time_s"] = run.wall_time_s;
  if (write_outputs) {
    const std::string& dir = scenario.output.dir;
    write_iterations_csv(dir + "/iterations.csv", rows);
    if (scenario.output.trace) write_trace_json(dir + "/trace.json", scenario, run);
    write_summary_json(dir + "/summary.json", summary);  // last: its presence marks a complete run
  }
  return summary;
}

}  // namespace dtsim
