// Every collective reduces real float values correctly: each rank starts with small integers, so
// every sum is exact in any order, and every value on every rank is checked. Lengths that no chunk
// count divides exercise the uneven splits.
#include <doctest/doctest.h>

#include "tests/algorithms/collectives/collective_test_support.h"

namespace {

void check_values(const nlohmann::json& platform, const std::string& operation, const std::string& algorithm,
                  double bytes, dtsim::Fidelity fidelity = dtsim::Fidelity::Step) {
  dtsim::CollectiveSpec spec;
  spec.operation = operation;
  spec.algorithm = algorithm;
  spec.bytes = bytes;
  spec.check_values = true;
  spec.fidelity = fidelity;
  const auto r = dtsim::test::simulate_collective(platform, spec);
  INFO(operation << "/" << algorithm << " " << dtsim::fidelity_name(fidelity) << " n=" << bytes);
  CHECK(r.checked > 0);
  CHECK(r.wrong == 0);
}

void check_all(int p) {
  const nlohmann::json platform = dtsim::test::switch_scenario(p, 3.125e9, 5e-6);
  for (const auto& [operation, algorithm] : dtsim::known_collectives())
    for (double bytes : {4.0 * 37, 4.0 * 1000}) {
      INFO("p=" << p);
      check_values(platform, operation, algorithm, bytes);
    }
}

}  // namespace

TEST_CASE("collectives: reduced values p=2") { check_all(2); }
TEST_CASE("collectives: reduced values p=3") { check_all(3); }
TEST_CASE("collectives: reduced values p=5") { check_all(5); }
TEST_CASE("collectives: reduced values p=8") { check_all(8); }

TEST_CASE("collectives: reduced values on multi-GPU machines, both fidelities") {
  for (int g : {2, 3}) {
    nlohmann::json s = dtsim::test::switch_scenario(3, 1.25e9, 5e-6);
    s["cluster"]["gpus_per_node"] = g;
    for (const auto& [operation, algorithm] : dtsim::known_collectives())
      for (auto f : {dtsim::Fidelity::Step, dtsim::Fidelity::Fast}) {
        INFO("g=" << g);
        check_values(s, operation, algorithm, 4.0 * 1001, f);
      }
  }
}

// Segmented trees: enough bytes for several pipeline segments, values still exact.
TEST_CASE("collectives: reduced values of pipelined trees") {
  const nlohmann::json platform = dtsim::test::switch_scenario(6, 3.125e9, 5e-6);
  for (const char* algorithm : {"binary_tree", "double_binary_tree"})
    check_values(platform, "allreduce", algorithm, 4.0 * 700001);
}
