// The fast fidelity (one aggregated flow per pair and phase, hidden latencies waited) against the
// step-by-step algorithms and their closed forms, contention-free; and its real values.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/algorithms/collectives/collective_test_support.h"

namespace {

using dtsim::CollectiveSpec;
using dtsim::Fidelity;

void check_fast(const nlohmann::json& platform, const std::string& operation, const std::string& algorithm,
                double bytes) {
  CollectiveSpec spec;
  spec.operation = operation;
  spec.algorithm = algorithm;
  spec.bytes = bytes;
  spec.fidelity = Fidelity::Step;
  const auto step = dtsim::test::simulate_collective(platform, spec);
  spec.fidelity = Fidelity::Fast;
  const auto fast = dtsim::test::simulate_collective(platform, spec);
  INFO(operation << "/" << algorithm << " n=" << bytes << " step=" << step.time << " fast=" << fast.time
                 << " closed form=" << fast.closed_form);
  CHECK(std::abs(fast.time - step.time) / step.time <= 0.01);
  CHECK(fast.relative_error() <= 1e-6);  // equal chunks: the aggregation is exact
}

}  // namespace

TEST_CASE("collectives: fast fidelity agrees with step, one GPU per machine") {
  for (int p : {2, 3, 5, 8, 64}) {
    const nlohmann::json platform = dtsim::test::switch_scenario(p, 3.125e9, 5e-6);
    for (double bytes : {960.0 * 10417, 960.0}) {
      INFO("p=" << p);
      check_fast(platform, "allreduce", "ring", bytes);
      check_fast(platform, "reduce_scatter", "ring", bytes);
      check_fast(platform, "allgather", "ring", bytes);
      check_fast(platform, "allreduce", "rabenseifner", bytes);
    }
  }
}

TEST_CASE("collectives: fast fidelity agrees with step, hierarchical") {
  for (int g : {2, 4}) {
    nlohmann::json s = dtsim::test::switch_scenario(4, 1.25e9, 5e-6);
    s["cluster"]["gpus_per_node"] = g;
    s["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}};
    INFO("g=" << g);
    check_fast(s, "allreduce", "hierarchical", 960.0 * 10417);
    check_fast(s, "allreduce", "hierarchical_rabenseifner", 960.0 * 10417);
  }
}

// Unequal chunks: fast carries the same bytes per phase but in one flow, so it is close, not exact.
TEST_CASE("collectives: fast ring with uneven chunks stays within 1%") {
  const nlohmann::json platform = dtsim::test::switch_scenario(7, 3.125e9, 5e-6);
  CollectiveSpec spec;
  spec.bytes = 1000003;
  const auto step = dtsim::test::simulate_collective(platform, spec);
  spec.fidelity = Fidelity::Fast;
  const auto fast = dtsim::test::simulate_collective(platform, spec);
  INFO("step=" << step.time << " fast=" << fast.time);
  CHECK(std::abs(fast.time - step.time) / step.time <= 0.01);
}
