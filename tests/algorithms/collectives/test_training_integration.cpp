// The allreduce algorithms as the training algorithm uses them (algorithm.collective, chosen by name
// through the registry): one iteration with no compute lasts exactly the collective's closed form.
#include <doctest/doctest.h>

#include <cmath>

#include "algorithms/collectives/collective.h"
#include "tests/support/test_support.h"

TEST_CASE("collectives: every registered allreduce runs inside training, one iteration = closed form") {
  const int p = 5;
  const double bytes = 960.0 * 1000, bandwidth = 3.125e9, latency = 5e-6;
  for (const std::string& name : dtsim::CollectiveRegistry::names()) {
    nlohmann::json s = dtsim::test::base_scenario(p);
    s["network"]["bandwidth"] = bandwidth;
    s["network"]["latency"] = latency;
    s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", 0}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", name}};
    s["run"] = {{"iterations", 1}, {"warmup_iterations", 0}};
    const nlohmann::json r = dtsim::test::simulate(s);
    const double expected = dtsim::CollectiveRegistry::create(name)->closed_form(p, bytes, 2 * latency, 1 / bandwidth);
    const double got = r["iteration_time_s"].get<double>();
    INFO(name << ": closed form " << expected << " simulated " << got);
    CHECK(std::abs(got - expected) / expected <= 1e-6);
  }
}

// network.fidelity "fast" as the scenario selects it: the training iteration matches "step" within 1%
// (exactly here: equal chunks, no contention).
TEST_CASE("collectives: network.fidelity fast in training matches step") {
  for (const char* name : {"ring", "hierarchical"}) {
    nlohmann::json s = dtsim::test::base_scenario(4);
    s["cluster"]["gpus_per_node"] = 2;
    s["workload"] = {{"params", 960 * 1000}, {"bytes_per_param", 4}, {"compute_time", "1ms"}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", name}};
    s["network"]["fidelity"] = "step";
    const double step = dtsim::test::simulate(s)["iteration_time_s"].get<double>();
    s["network"]["fidelity"] = "fast";
    const double fast = dtsim::test::simulate(s)["iteration_time_s"].get<double>();
    INFO(name << ": step " << step << " fast " << fast);
    CHECK(std::abs(fast - step) / step <= 0.01);
  }
}

// Real numerics through the engine: PSGD on heterogeneous least squares ends at the same parameters
// with every allreduce algorithm and either fidelity (up to float reassociation of the sums).
TEST_CASE("collectives: real-numerics PSGD gives the same model with every algorithm and fidelity") {
  auto run = [](const std::string& collective, const std::string& fidelity) {
    nlohmann::json s = dtsim::test::base_scenario(3);
    s["cluster"]["gpus_per_node"] = 2;
    s["network"]["fidelity"] = fidelity;
    s["workload"] = {{"model", "linear_regression"},
                     {"batch_per_gpu", 20},
                     {"dataset", {{"name", "synthetic_least_squares"}, {"dim", 10}, {"samples_per_rank", 20},
                                  {"heterogeneity", 1.0}}},
                     {"optimizer", {{"name", "sgd"}, {"lr", 0.05}}}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", collective}};
    s["run"] = {{"iterations", 30}, {"warmup_iterations", 1}};
    return dtsim::test::simulate(s)["final_params"];
  };
  const nlohmann::json reference = run("ring", "step");
  REQUIRE(reference.is_array());
  REQUIRE(!reference.empty());
  for (const std::string& name : dtsim::CollectiveRegistry::names())
    for (const char* fidelity : {"step", "fast"}) {
      if (name.rfind("hierarchical_", 0) == 0 && name != "hierarchical_rabenseifner") continue;
      const nlohmann::json got = run(name, fidelity);
      REQUIRE(got.size() == reference.size());
      double diff = 0, norm = 0;
      for (std::size_t r = 0; r < got.size(); ++r) {  // every rank's parameters
        REQUIRE(got[r].size() == reference[r].size());
        for (std::size_t i = 0; i < got[r].size(); ++i) {
          diff = std::max(diff, std::abs(got[r][i].get<double>() - reference[0][i].get<double>()));
          norm = std::max(norm, std::abs(reference[0][i].get<double>()));
        }
      }
      INFO(name << " " << std::string(fidelity) << ": max difference " << diff << " (max |x| " << norm << ")");
      CHECK(diff <= 1e-5 * std::max(1.0, norm));
    }
}
