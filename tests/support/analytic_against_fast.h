// The check every analytic-fidelity test makes: the same scenario at "fast" and at "analytic" gives the
// same iteration times, compute times and run end (1e-6 relative), no straggler wait that fast does not
// have, and the collective's wall span (1e-6, or SimGrid's 1 ns timing precision), and summary.json says
// analytic ran.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace dtsim::test {

// |a - b| / max(|a|, |b|) (0 when both are 0).
double relative_difference(double a, double b);

struct FastAndAnalytic {
  nlohmann::json fast, analytic;  // simulate()'s summaries
};
// Runs `scenario` (its network.fidelity replaced) at both fidelities and checks them as above; `label`
// names the case in failure messages.
FastAndAnalytic analytic_against_fast(nlohmann::json scenario, const std::string& label);

}  // namespace dtsim::test
