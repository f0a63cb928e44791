// Runs a task in a forked child and returns the JSON it produced. SimGrid allows one simulation per
// process, so sweeps and tests that simulate several configurations run each in its own child.
#pragma once
#include <functional>

#include <nlohmann/json.hpp>

namespace dtsim {

// The child's result, or {"error": "..."} if the task threw, crashed or exited early.
nlohmann::json run_in_child_process(const std::function<nlohmann::json()>& task);

}  // namespace dtsim
