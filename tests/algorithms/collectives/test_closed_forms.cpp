// Every collective against its alpha-beta closed form on one switch under the exact model
// (contention-free), relative error <= 1e-6, for p in {2, 3, 4, 5, 8, 16, 64}, bandwidth- and
// latency-bound. Sizes are multiples of 960 = lcm of the chunk counts, so no integer split enters.
#include <doctest/doctest.h>

#include "tests/algorithms/collectives/collective_test_support.h"

namespace {

using dtsim::CollectiveSpec;

constexpr double kLarge = 960.0 * 10417;  // ~10 MB: bandwidth-dominated
constexpr double kSmall = 960.0;          // latency-dominated

std::vector<std::pair<std::string, std::string>> flat_collectives() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : dtsim::known_collectives())
    if (c.second.rfind("hierarchical_", 0) != 0) out.push_back(c);  // = their inner on 1 GPU per machine
  return out;
}

void check_all(int p) {
  const nlohmann::json platform = dtsim::test::switch_scenario(p, 3.125e9, 5e-6);
  // Plain references, not structured bindings: INFO captures them in a lambda (which clang rejects
  // for structured bindings before C++20).
  for (const auto& collective : flat_collectives()) {
    const std::string& operation = collective.first;
    const std::string& algorithm = collective.second;
    for (double bytes : {kLarge, kSmall}) {
      CollectiveSpec spec;
      spec.operation = operation;
      spec.algorithm = algorithm;
      spec.bytes = bytes;
      const auto r = dtsim::test::simulate_collective(platform, spec);
      INFO(operation << "/" << algorithm << " p=" << p << " n=" << bytes << " closed form=" << r.closed_form
                     << " simulated=" << r.time << " rel.err=" << r.relative_error());
      CHECK(r.relative_error() <= 1e-6);
    }
  }
}

}  // namespace

TEST_CASE("collectives: closed forms p=2") { check_all(2); }
TEST_CASE("collectives: closed forms p=3") { check_all(3); }
TEST_CASE("collectives: closed forms p=4") { check_all(4); }
TEST_CASE("collectives: closed forms p=5") { check_all(5); }
TEST_CASE("collectives: closed forms p=8") { check_all(8); }
TEST_CASE("collectives: closed forms p=16") { check_all(16); }
TEST_CASE("collectives: closed forms p=64") { check_all(64); }

// Hierarchical: intra-node ring reduce-scatter/allgather over the GPUs' links, inner allreduce across
// machines with g concurrent instances sharing each NIC.
TEST_CASE("collectives: hierarchical closed form on multi-GPU machines") {
  for (int nodes : {2, 3, 5})
    for (int g : {2, 4}) {
      nlohmann::json s = dtsim::test::switch_scenario(nodes, 1.25e9, 5e-6);
      s["cluster"]["gpus_per_node"] = g;
      s["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}};
      for (const char* inner : {"ring", "rabenseifner", "recursive_doubling", "binary_tree", "double_binary_tree",
                                "direct", "reduce_broadcast"}) {
        CollectiveSpec spec;
        spec.algorithm = std::string("hierarchical_") + inner;
        spec.bytes = kLarge;
        const auto r = dtsim::test::simulate_collective(s, spec);
        INFO(spec.algorithm << " nodes=" << nodes << " g=" << g << " closed form=" << r.closed_form
                            << " simulated=" << r.time);
        CHECK(r.relative_error() <= 1e-6);
      }
    }
}

// Several NICs per machine: GPU i uses NIC i / (g / k), so g/k inner allreduces share each NIC.
TEST_CASE("collectives: hierarchical closed form with several NICs per machine") {
  for (int nics : {2, 4}) {
    nlohmann::json s = dtsim::test::switch_scenario(3, 1.25e9, 5e-6);
    s["cluster"]["gpus_per_node"] = 4;
    s["network"]["nics_per_node"] = nics;
    s["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}};
    for (const char* algorithm : {"hierarchical", "hierarchical_rabenseifner"}) {
      CollectiveSpec spec;
      spec.algorithm = algorithm;
      spec.bytes = kLarge;
      const auto r = dtsim::test::simulate_collective(s, spec);
      INFO(algorithm << " nics=" << nics << " closed form=" << r.closed_form << " simulated=" << r.time);
      CHECK(r.relative_error() <= 1e-6);
    }
  }
}
