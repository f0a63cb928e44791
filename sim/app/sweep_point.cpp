#include "sim/app/sweep_point.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "sim/app/sweep_simulate.h"
#include "sim/engine/backend_available.h"
#include "sim/engine/load_scenario.h"
#include "sim/output/outputs.h"

namespace dtsim {
namespace {

// Whatever the simulator prints goes to the point's log, not over the parent's progress display.
void redirect_output_to(const std::string& log) {
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (log_fd < 0) return;
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  ::close(log_fd);
}

nlohmann::json simulate(const SweepPlan& plan, const SweepPoint& point, const std::string& point_dir) {
  nlohmann::json doc = point_document(plan, point);
  if (plan.point_outputs) doc["output"]["dir"] = point_dir;
  else doc["output"]["trace"] = doc["output"]["links"] = false;  // nothing written: spare their cost
  if (plan.point_outputs) std::filesystem::create_directories(point_dir);
  redirect_output_to(plan.point_outputs ? point_dir + "/log.txt" : "/dev/null");
  ScenarioResult parsed = parse_scenario(doc);
  if (!parsed.ok()) {
    std::string message;
    for (const auto& e : parsed.errors) message += (message.empty() ? "" : "; ") + e;
    throw std::runtime_error("invalid scenario: " + message);
  }
  if (std::string e = backend_unavailable(parsed.scenario); !e.empty()) throw std::runtime_error(e);
  if (plan.point_outputs)
    if (std::string e = prepare_output_dir(point_dir); !e.empty()) throw std::runtime_error(e);
  return {{"summary", simulate_and_summarize(parsed.scenario, plan.point_outputs)}};
}

}  // namespace

nlohmann::json simulate_sweep_point(const SweepPlan& plan, const SweepPoint& point, const std::string& out_dir) {
  const std::string point_dir = out_dir + "/points/" + point.id;
  nlohmann::json result;
  try {
    result = simulate(plan, point, point_dir);
  } catch (const std::exception& e) {
    result = {{"error", e.what()}};
  }
  const std::string log = point_dir + "/log.txt";
  std::error_code ec;
  if (plan.point_outputs && std::filesystem::exists(log, ec) && std::filesystem::file_size(log, ec) == 0)
    std::filesystem::remove(log, ec);
  return result;
}

}  // namespace dtsim
