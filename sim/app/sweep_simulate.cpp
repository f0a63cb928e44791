#include "sim/app/sweep_simulate.h"

#include <vector>

#include "sim/engine/engine.h"
#include "sim/output/links_csv.h"
#include "sim/output/metrics.h"
#include "sim/output/output_swap.h"
#include "sim/output/outputs.h"
#include "sim/output/trace_writer.h"

namespace dtsim {

namespace {
constexpr std::size_t kBottleneckLinks = 5;  // listed in summary.json
}

nlohmann::json simulate_and_summarize(const Scenario& scenario, bool write_outputs) {
  RunResult run = run_simulation(scenario);
  std::vector<IterationRow> rows = iteration_rows(scenario, run);
  nlohmann::json summary = summarize(scenario, run, rows);
  summary["wall_time_s"] = run.wall_time_s;
  if (scenario.output.links) summary["bottleneck_links"] = bottleneck_links(run.links, run.sim_time_s, kBottleneckLinks);
  if (write_outputs) {
    OutputSwap outputs(scenario.output.dir);  // all new files or all old ones, even after kill -9
    write_iterations_csv(outputs.staged("iterations.csv"), rows);
    if (scenario.output.trace) write_trace_json(outputs.staged(trace_file_name(scenario.output)), scenario, run);
    if (scenario.output.links) write_links_csv(outputs.staged("links.csv"), run.links, run.sim_time_s);
    write_summary_json(outputs.staged("summary.json"), summary);
    outputs.commit();
  }
  return summary;
}

}  // namespace dtsim
