// One sweep point, run inside its child process (sim/app/process_pool.h): the point's scenario, its
// output directory and log, and the result JSON the parent records as one row.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "sim/app/sweep.h"

namespace dtsim {

// Simulates `point` and returns {"summary": ...} or {"error": "..."}. With plan.point_outputs the point
// writes into OUT_DIR/points/<id>/ and its stdout/stderr go to log.txt there (removed when empty);
// otherwise they go to /dev/null and no trace is written. Redirects this process's stdout and stderr:
// call it in a child.
nlohmann::json simulate_sweep_point(const SweepPlan& plan, const SweepPoint& point, const std::string& out_dir);

}  // namespace dtsim
