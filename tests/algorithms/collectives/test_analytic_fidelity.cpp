// network.fidelity "analytic" (algorithms/collectives/analytic.h) against "fast": the same iteration
// times (1e-6 relative, every iteration and the run's end) for every collective that supports it, in
// the training algorithms that use it; "auto" picks it where it applies and says why when it does
// not; "analytic" where it does not apply is an error naming /network/fidelity and the reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "algorithms/collectives/analytic.h"
#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "sim/engine/load_scenario.h"
#include "tests/support/analytic_against_fast.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

// Runs `s` at fast and at analytic (tests/support/analytic_against_fast.h). Returns the analytic summary.
json check_same_as_fast(const json& s, const std::string& label) {
  return dtsim::test::analytic_against_fast(s, label).analytic;
}

json psgd(int nodes, const std::string& collective, double bytes) {
  json s = dtsim::test::base_scenario(nodes);
  s["network"]["bandwidth"] = 3.125e9;
  s["network"]["latency"] = 5e-6;
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", "2ms"}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", collective}};
  s["run"] = {{"iterations", 4}, {"warmup_iterations", 1}};
  return s;
}

using dtsim::test::contains;
using dtsim::test::scenario_errors;

}  // namespace

TEST_CASE("analytic fidelity: the ring equals fast, one GPU per machine, the others are refused") {
  // Even (960 kB) and uneven (1,000,003 B: chunks differ by a byte) messages.
  // nccl_ring is the plain ring on one GPU per machine.
  for (const std::string name : {"ring", "hierarchical", "nccl_ring"})
    for (int p : {2, 3, 5, 8, 16})
      for (double bytes : {960.0 * 1000, 1000003.0})
        check_same_as_fast(psgd(p, name, bytes), name + " p=" + std::to_string(p) + " n=" + std::to_string(bytes));
  // The textbook closed forms of the others assume equal chunks (direct: 3e-6 from fast at p = 16).
  for (const std::string& name : dtsim::CollectiveRegistry::names()) {
    if (name == "ring" || name == "hierarchical" || name == "hierarchical_ring" || name == "nccl_ring") continue;
    json s = psgd(4, name, 960.0 * 1000);
    s["network"]["fidelity"] = "analytic";
    const std::string errors = scenario_errors(s);
    INFO(name << ": " << errors);
    CHECK(contains(errors, "/network/fidelity: \"analytic\" does not apply"));
  }
}

// NCCL's rings over several NICs: where a GPU's own NIC path leaves its NVLink link to the rings that
// stay inside and that link is at least c times a NIC's, one ring's crossing bounds every phase and
// the time is 2(p-1) alpha + (the largest crossing's bytes) beta: analytic equals fast (even and
// uneven messages, slices and chunks of unequal sizes, c = 2 to 8). On PCIe machines, or with a slower
// GPU link, it is refused with its reason.
TEST_CASE("analytic fidelity: NCCL's rings over several NICs equal fast where one crossing bounds every phase") {
  struct Shape {
    int nodes, g, nics;
  };
  for (const Shape shape : {Shape{3, 4, 2}, Shape{2, 8, 8}, Shape{3, 8, 4}, Shape{4, 4, 4}})
    for (double bytes : {960.0 * 1000, 1000003.0, 4.0 * 37}) {
      json s = psgd(shape.nodes, "nccl_ring", bytes);
      s["cluster"]["gpus_per_node"] = shape.g;
      s["network"]["nics_per_node"] = shape.nics;
      s["network"]["intra_node"] = {{"bandwidth", shape.nics * 3.125e9}, {"latency", 1e-6}};  // exactly c NICs
      check_same_as_fast(s, "nccl_ring " + std::to_string(shape.nodes) + " x " + std::to_string(shape.g) + " GPUs, " +
                                std::to_string(shape.nics) + " NICs, n=" + std::to_string(bytes));
    }
  for (const char* kind : {"nvlink", "pcie"}) {
    json s = psgd(3, "nccl_ring", 960.0 * 1000);
    s["cluster"]["gpus_per_node"] = 4;
    s["network"]["nics_per_node"] = 2;
    const bool pcie = std::string(kind) == "pcie";
    s["network"]["intra_node"] = {{"bandwidth", pcie ? 50e9 : 1.9 * 3.125e9}, {"latency", 1e-6}, {"kind", kind}};
    s["network"]["fidelity"] = "analytic";
    const std::string errors = scenario_errors(s);
    INFO(kind << ": " << errors);
    CHECK(contains(errors, "/network/fidelity: \"analytic\" does not apply"));
    CHECK(contains(errors, "no exact closed form"));
  }
}

TEST_CASE("analytic fidelity: hierarchical allreduces on multi-GPU machines equal fast") {
  for (const std::string name : {"hierarchical", "hierarchical_ring"}) {
    for (int g : {2, 4})
      for (int nics : {1, 2}) {
        json s = psgd(3, name, 960.0 * 1000);
        s["cluster"]["gpus_per_node"] = g;
        s["network"]["nics_per_node"] = nics;
        s["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}};
        check_same_as_fast(s, name + " g=" + std::to_string(g) + " nics=" + std::to_string(nics));
      }
  }
}

TEST_CASE("analytic fidelity: gradient fusion, local SGD and real numerics equal fast") {
  for (const char* policy : {"ddp", "horovod"}) {
    json s = psgd(5, "ring", 0);
    s["workload"] = {{"model", "resnet50"}, {"batch_per_gpu", 32}, {"fusion", {{"policy", policy}}}};
    s["run"] = {{"iterations", 3}, {"warmup_iterations", 1}};
    check_same_as_fast(s, std::string("fusion ") + policy);
  }
  for (const char* schedule : {"constant", "growing", "by_speed"}) {
    json s = psgd(6, "ring", 960.0 * 1000);
    s["algorithm"] = {{"name", "local_sgd"}, {"local_steps", 2}, {"local_schedule", schedule}};
    check_same_as_fast(s, std::string("local_sgd ") + schedule);
  }
  // Real values: the same sums (group order, as fast's meeting) so the same final parameters.
  json s = dtsim::test::base_scenario(4);
  s["workload"] = dtsim::test::least_squares_workload(8, 16, 1.0, 0.05);
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  s["run"] = {{"iterations", 10}, {"warmup_iterations", 1}};
  const json analytic = check_same_as_fast(s, "numerics");
  s["network"]["fidelity"] = "fast";
  const json fast = dtsim::test::simulate(s);
  CHECK(analytic["final_params"] == fast["final_params"]);
}

TEST_CASE("analytic fidelity: auto picks analytic where it applies, else step, and says why") {
  json s = psgd(4, "ring", 960.0 * 1000);
  s["network"]["fidelity"] = "auto";
  const json chosen = dtsim::test::simulate(s);
  CHECK(chosen["fidelity"]["requested"] == "auto");
  CHECK(chosen["fidelity"]["ran"] == "analytic");
  s["network"]["fidelity"] = "fast";
  const double fast = dtsim::test::simulate(s)["iteration_time_s"].get<double>();
  CHECK(dtsim::test::relative_difference(chosen["iteration_time_s"].get<double>(), fast) <= 1e-6);

  // Stragglers perturb ranks: auto falls back to step, with the reason; the times are step's.
  s["stragglers"] = {{"rank_factors", {{{"ranks", {1}}, {"factor", 1.5}}}}};
  s["network"]["fidelity"] = "auto";
  const json fallback = dtsim::test::simulate(s);
  CHECK(fallback["fidelity"]["ran"] == "step");
  const std::string reason = fallback["fidelity"]["reason"].get<std::string>();
  INFO(reason);
  CHECK(contains(reason, "stragglers"));
  s["network"]["fidelity"] = "step";
  CHECK(dtsim::test::simulate(s)["iteration_time_s"].get<double>() == fallback["iteration_time_s"].get<double>());

  // Explicit modes say what ran and no reason.
  const json explicit_step = dtsim::test::simulate(s);
  CHECK(explicit_step["fidelity"]["requested"] == "step");
  CHECK(explicit_step["fidelity"]["ran"] == "step");
  CHECK(!explicit_step["fidelity"].contains("reason"));
}

TEST_CASE("analytic fidelity: asked for where it does not apply, an error names the path and the reason") {
  json base = psgd(4, "ring", 960.0 * 1000);
  base["network"]["fidelity"] = "analytic";
  CHECK(scenario_errors(base).empty());

  json fat_tree = base;
  fat_tree["network"]["topology"] = "fat_tree";
  fat_tree["network"]["fat_tree"] = {{"down", {2, 2}}, {"up", {1, 2}}, {"links", {1, 1}}};
  json flat_on_multi_gpu = base;
  flat_on_multi_gpu["cluster"]["gpus_per_node"] = 4;
  json tcp = base;
  tcp["network"]["model"] = "tcp";
  json jitter = base;
  jitter["stragglers"] = {{"network_jitter", {{"sigma", 0.1}, {"period", "1ms"}}}};
  json async_ps = base;  // the synchronous PS has a closed form of its own (test_ps_analytic.cpp)
  async_ps["algorithm"] = {{"name", "async_parameter_server"}};
  json compressed = base;
  compressed["algorithm"]["compression"] = {{"kind", "topk"}, {"ratio", 0.01}};
  const std::pair<json, std::string> cases[] = {
      {fat_tree, "topology \"fat_tree\""},
      {flat_on_multi_gpu, "collective \"ring\": a flat ring on machines of several GPUs"},
      {tcp, "the network model is not exact"},
      {jitter, "network jitter"},
      {async_ps, "\"async_parameter_server\" here: its messages are point-to-point"},
      {compressed, "compression \"topk\""},
  };
  for (const auto& c : cases) {
    const std::string errors = scenario_errors(c.first);
    const std::string expected = c.second;
    INFO(errors);
    CHECK(contains(errors, "/network/fidelity: \"analytic\" does not apply"));
    CHECK(contains(errors, expected));
  }
}

// nccl_ring's analytic time finds the largest ring crossing in O(1); here it is checked against every
// ring's every crossing counted chunk by chunk (alpha 0, one second per unit: the time is the units).
TEST_CASE("analytic fidelity: nccl_ring's largest crossing, against every crossing counted") {
  const auto nccl = dtsim::CollectiveRegistry::create("nccl_ring");
  struct Shape {
    int machines, g, c;
  };
  for (const Shape shape : {Shape{2, 8, 8}, Shape{3, 4, 2}, Shape{3, 8, 4}, Shape{5, 4, 4}, Shape{2, 2, 2}})
    for (long units = 1; units <= 3 * shape.machines * shape.g * shape.c + 5; ++units) {
      const int p = shape.machines * shape.g;
      dtsim::CostModel m;
      m.p = p;
      m.gpus_per_node = shape.g;
      m.nics_per_node = shape.c;
      m.alpha = 0;
      m.beta = 1;
      m.beta_local = 1.0 / shape.c;
      m.gpus_own_nic_path = true;
      REQUIRE(nccl->analytic_blocker(m).empty());
      const dtsim::Message data{static_cast<double>(units), {}};
      const dtsim::Chunks slices(data, shape.c);
      long most = 0;
      for (int j = 0; j < shape.c; ++j) {
        const auto slice = static_cast<long>(slices.length(j));
        auto chunk = [&](int k) { return slice / p + (k < slice % p ? 1 : 0); };
        for (int b = 0; b < shape.machines; ++b) {
          const int exit = b * shape.g + shape.g - 1;  // ring member leaving machine b
          most = std::max(most, 2 * slice - chunk(exit) - chunk((exit + 1) % p));
        }
      }
      INFO(shape.machines << " x " << shape.g << " GPUs, " << shape.c << " NICs, " << units << " units");
      CHECK(nccl->analytic_time(m, data, 0) == static_cast<double>(most));
    }
  // PCIe machines and GPU links slower than c NICs are refused.
  dtsim::CostModel pcie;
  pcie.p = 8;
  pcie.gpus_per_node = 4;
  pcie.nics_per_node = 2;
  pcie.beta = 1;
  pcie.beta_local = 0.5;
  CHECK(!nccl->analytic_blocker(pcie).empty());
  pcie.gpus_own_nic_path = true;
  CHECK(nccl->analytic_blocker(pcie).empty());
  pcie.beta_local = 0.51;
  CHECK(!nccl->analytic_blocker(pcie).empty());
}
