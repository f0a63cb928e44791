#include "tests/support/analytic_against_fast.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "tests/support/test_support.h"

namespace dtsim::test {

using nlohmann::json;

double relative_difference(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0 ? 0 : std::abs(a - b) / scale;
}

FastAndAnalytic analytic_against_fast(json scenario, const std::string& label) {
  FastAndAnalytic r;
  scenario["network"]["fidelity"] = "fast";
  r.fast = simulate(scenario);
  scenario["network"]["fidelity"] = "analytic";
  r.analytic = simulate(scenario);
  const json& fast = r.fast;
  const json& analytic = r.analytic;
  CHECK(analytic["fidelity"]["ran"] == "analytic");
  REQUIRE(fast["rows"].size() == analytic["rows"].size());
  double worst = relative_difference(fast["sim_time_s"].get<double>(), analytic["sim_time_s"].get<double>());
  for (std::size_t k = 0; k < fast["rows"].size(); ++k) {
    const json& f = fast["rows"][k];
    const json& a = analytic["rows"][k];
    worst = std::max(worst, relative_difference(f["iteration_time"].get<double>(), a["iteration_time"].get<double>()));
    // The compute charged ahead of the engine's clock (RankContext::Lockstep) is the compute fast sleeps,
    // and the meeting adds no straggler wait where fast has none.
    worst = std::max(worst, relative_difference(f["compute"].get<double>(), a["compute"].get<double>()));
    CHECK(a["wait_max"].get<double>() <= f["wait_max"].get<double>() + 1e-6 * f["iteration_time"].get<double>());
  }
  INFO(label << ": fast ends at " << fast["sim_time_s"] << " s, analytic at " << analytic["sim_time_s"]
             << " s; worst relative difference of iteration, compute and end times " << worst);
  CHECK(worst <= 1e-6);
  // A member's wait longer than the meeting's by less than SimGrid's timing precision is not charged
  // (fast::meet_and_wait): the span may differ by that much.
  const double fast_span = fast["comm_span_s"].get<double>(), analytic_span = analytic["comm_span_s"].get<double>();
  INFO("collective span " << fast_span << " s at fast, " << analytic_span << " s analytic");
  CHECK(std::abs(fast_span - analytic_span) <= std::max(1e-6 * fast_span, 1e-9));
  return r;
}

}  // namespace dtsim::test
