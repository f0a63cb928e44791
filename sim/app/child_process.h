// Runs one task in a forked child and returns the JSON it produced. SimGrid allows one simulation per
// process, so tests, benchmarks and `dtsim collective` that simulate several configurations run each in
// its own child (through sim/app/process_pool.h, as sweeps do).
#pragma once
#include <functional>

#include <nlohmann/json.hpp>

namespace dtsim {

// The child's result, or {"error": "..."} if the task threw, crashed or exited early.
nlohmann::json run_in_child_process(const std::function<nlohmann::json()>& task);

}  // namespace dtsim
