// workload.input_pipeline against hand-computed timelines: the loader's bounded queue (InputPipeline)
// step by step, and whole runs where the loader or the GPU is the bottleneck, at every fidelity.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/engine/input_pipeline.h"
#include "tests/support/test_support.h"

using nlohmann::json;

namespace {

// A GPU that alternates 1 s and 5 s of compute after each take, fed by a loader needing 3 s per batch
// (its mean pace): returns when each of the first `batches` batches is taken.
std::vector<double> alternating_takes(int prefetch, int batches) {
  dtsim::InputPipeline loader(prefetch, 0.0);
  std::vector<double> taken;
  double now = 0;
  for (int k = 0; k < batches; ++k) {
    now = loader.take(now, 3.0);
    taken.push_back(now);
    now += k % 2 == 0 ? 1.0 : 5.0;
  }
  return taken;
}

}  // namespace

TEST_CASE("input pipeline: a loader one batch deep stalls every fast step, two deep absorbs the variation") {
  // Hand-computed. Queue of 1: batch k starts when k-1 is taken: taken at 3, 6 (wanted 4), 11, 14
  // (wanted 12), 19, 22 (wanted 20): every fast step waits 2 s.
  CHECK(alternating_takes(1, 6) == std::vector<double>{3, 6, 11, 14, 19, 22});
  // Queue of 2: batch 3 is prepared from 9 (batch 1 was taken at 6) and ready at 12, when it is wanted;
  // after the empty start (batches 0 and 1 wait) nothing waits: 3, 6, 11, 12, 17, 18.
  CHECK(alternating_takes(2, 6) == std::vector<double>{3, 6, 11, 12, 17, 18});
}

TEST_CASE("input pipeline: the loader starts with its process and never runs more than prefetch batches ahead") {
  dtsim::InputPipeline restarted(2, 10.0);  // a process started at t = 10 s
  CHECK(restarted.take(10.0, 3.0) == 13.0);
  // A GPU far slower than its loader, then two quick steps: batch 0 ready at 1 (taken then), batch 1
  // prepared 1..2 and batch 2 2..3 (its slot freed when batch 0 was taken); batch 3's slot frees only
  // when batch 1 is taken at 100, so it is prepared 100..101 and the GPU wanting it at 100.6 waits.
  dtsim::InputPipeline ahead(2, 0.0);
  CHECK(ahead.take(0.0, 1.0) == 1.0);
  CHECK(ahead.take(100.0, 1.0) == 100.0);
  CHECK(ahead.take(100.5, 1.0) == 100.5);
  CHECK(ahead.take(100.6, 1.0) == doctest::Approx(101.0).epsilon(1e-15));
  CHECK_THROWS_AS(dtsim::InputPipeline(0, 0.0), std::logic_error);
}

namespace {

// 4 machines of 2 GPUs on a 100 Gbps switch, 10 ms of compute and 32 samples per GPU per iteration;
// with a loader, each GPU's batch takes 2 x 32 / rate s to prepare (its half of the machine's rate).
json loader_run(double rate, const std::string& fidelity, const std::string& collective) {
  json doc = dtsim::test::base_scenario(4);
  doc["cluster"]["gpus_per_node"] = 2;
  doc["network"]["bandwidth"] = "100Gbps";
  doc["network"]["fidelity"] = fidelity;
  doc["workload"]["batch_per_gpu"] = 32;
  if (rate > 0) doc["workload"]["input_pipeline"] = {{"rate", rate}};
  doc["algorithm"] = {{"name", "allreduce"}, {"collective", collective}};
  doc["run"]["iterations"] = 5;
  return dtsim::test::simulate(doc);
}

}  // namespace

TEST_CASE("input pipeline: a loader slower than the GPU sets the iteration time, at every fidelity") {
  for (const auto& run : std::vector<std::pair<std::string, std::string>>{
           {"step", "ring"}, {"fast", "ring"}, {"step", "hierarchical"}, {"auto", "hierarchical"}}) {
    const std::string fidelity = run.first, collective = run.second;
    CAPTURE(fidelity);
    CAPTURE(collective);
    // Without a loader: compute then the allreduce, T0 per iteration.
    const double t0 = loader_run(0, fidelity, collective)["rows"][1]["iteration_time"].get<double>();
    REQUIRE(t0 > 0.010);
    REQUIRE(t0 < 0.012);
    // 4000 samples/s per machine: 16 ms per batch > T0. The first batch is ready at 16 ms (the loader
    // starts empty), then one every 16 ms: iteration 0 takes 16 ms + T0, every later one 16 ms, of
    // which 16 ms - T0 waiting for data.
    const json slow = loader_run(4000, fidelity, collective);
    if (fidelity == "auto") CHECK(slow["fidelity"]["ran"] == "analytic");  // the lockstep path
    const json& rows = slow["rows"];
    CHECK(rows[0]["iteration_time"].get<double>() == doctest::Approx(0.016 + t0).epsilon(1e-9));
    CHECK(rows[0]["input_wait_mean"].get<double>() == doctest::Approx(0.016).epsilon(1e-9));
    for (int k = 1; k < 5; ++k) {
      CAPTURE(k);
      CHECK(rows[k]["iteration_time"].get<double>() == doctest::Approx(0.016).epsilon(1e-9));
      CHECK(rows[k]["input_wait_mean"].get<double>() == doctest::Approx(0.016 - t0).epsilon(1e-9));
      CHECK(rows[k]["input_wait_max"].get<double>() == doctest::Approx(0.016 - t0).epsilon(1e-9));
    }
    CHECK(slow["iteration_time_s"].get<double>() == doctest::Approx(0.016).epsilon(1e-9));
    CHECK(slow["input_wait_time_s"]["mean"].get<double>() == doctest::Approx(0.016 - t0).epsilon(1e-9));
    CHECK(slow["throughput_samples_per_s"].get<double>() == doctest::Approx(8 * 32 / 0.016).epsilon(1e-9));

    // 8000 samples/s: 8 ms per batch < T0. Only the first batch is waited for (8 ms); then the loader
    // keeps ahead and the run is as fast as without one.
    const json fast = loader_run(8000, fidelity, collective);
    CHECK(fast["rows"][0]["iteration_time"].get<double>() == doctest::Approx(0.008 + t0).epsilon(1e-9));
    for (int k = 1; k < 5; ++k) {
      CAPTURE(k);
      CHECK(fast["rows"][k]["iteration_time"].get<double>() == doctest::Approx(t0).epsilon(1e-9));
      CHECK(fast["rows"][k]["input_wait_mean"].get<double>() == 0.0);
    }
  }
}

TEST_CASE("input pipeline: bad values name their field") {
  json doc = dtsim::test::base_scenario(2);
  doc["workload"]["input_pipeline"] = {{"rate", 0}};
  CHECK(dtsim::test::contains(dtsim::test::scenario_errors(doc), "/workload/input_pipeline/rate: 0 is out of range"));
  doc["workload"]["input_pipeline"] = {{"rate", 100}, {"prefetch", 0}};
  CHECK(dtsim::test::contains(dtsim::test::scenario_errors(doc), "/workload/input_pipeline/prefetch: 0 is out of range"));
  doc["workload"]["input_pipeline"] = json::object();
  CHECK(dtsim::test::contains(dtsim::test::scenario_errors(doc), "/workload/input_pipeline/rate: is required"));
  doc["workload"]["input_pipeline"] = {{"rate", 100}};
  CHECK(dtsim::test::scenario_errors(doc).empty());
}
