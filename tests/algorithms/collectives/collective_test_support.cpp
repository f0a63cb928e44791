#include "tests/algorithms/collectives/collective_test_support.h"

#include <doctest/doctest.h>

#include <cmath>

#include "sim/app/child_process.h"
#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"
#include "sim/engine/load_scenario.h"

namespace dtsim::test {

double CollectiveResult::relative_error() const { return std::abs(time - closed_form) / closed_form; }

CollectiveResult simulate_collective(const nlohmann::json& document, const CollectiveSpec& spec) {
  ScenarioResult parsed = parse_scenario(document);
  for (const auto& e : parsed.errors) FAIL_CHECK("scenario error: " << e);
  REQUIRE(parsed.ok());
  nlohmann::json r = run_in_child_process([&] {
    CollectiveOutcome o = run_collective(parsed.scenario, spec);
    return nlohmann::json{{"time", o.time_s}, {"checked", o.checked}, {"wrong", o.wrong}};
  });
  if (r.contains("error")) FAIL("simulation failed: " << r["error"].get<std::string>());
  CollectiveResult out;
  out.time = r["time"].get<double>();
  out.checked = r["checked"].get<long>();
  out.wrong = r["wrong"].get<long>();
  out.closed_form = closed_form_time(parsed.scenario, spec);
  return out;
}

nlohmann::json switch_scenario(int p, double bandwidth, double latency) {
  nlohmann::json s = base_scenario(p);
  s["network"]["bandwidth"] = bandwidth;
  s["network"]["latency"] = latency;
  s["workload"]["compute_time"] = 0;
  return s;
}

}  // namespace dtsim::test
