#include "sim/app/child_process.h"

#include "sim/app/process_pool.h"

namespace dtsim {

nlohmann::json run_in_child_process(const std::function<nlohmann::json()>& task) {
  std::vector<ChildOutcome> outcomes = run_all_in_children(1, [&](std::size_t) { return task().dump(); });
  ChildOutcome& o = outcomes.front();
  if (!o.failure.empty()) return {{"error", o.failure}};
  return std::move(o.result);
}

}  // namespace dtsim
