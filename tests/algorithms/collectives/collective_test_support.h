// Helpers of the collectives tests: run one collective operation on a scenario's platform in a
// forked child and compare it with its closed form.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "algorithms/collectives/runner.h"

namespace dtsim::test {

struct CollectiveResult {
  double time = 0, closed_form = 0;
  long checked = 0, wrong = 0;
  double relative_error() const;
};

// Parses `scenario` (must be valid) and simulates `spec` in a child process.
CollectiveResult simulate_collective(const nlohmann::json& scenario, const CollectiveSpec& spec);

// A switch of p single-GPU machines, exact model, given link bandwidth (bytes/s) and latency (s).
nlohmann::json switch_scenario(int p, double bandwidth, double latency);

}  // namespace dtsim::test
