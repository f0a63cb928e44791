// Gradient bucketing (workload.bucket_size): bucket allreduces overlap the backward pass.
#include <doctest/doctest.h>

#include <cmath>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/bucket_schedule.h"
#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"
#include "sim/engine/load_scenario.h"

namespace {

using nlohmann::json;

const double kBandwidth = 1.25e9, kLatency = 2e-6;  // base_scenario: 10Gbps, 2us per link

double ring_time(int p, double bytes) {
  return dtsim::CollectiveRegistry::create("ring")->closed_form(p, bytes, 2 * kLatency, 1 / kBandwidth);
}

}  // namespace

TEST_CASE("training: bucket schedule groups layers in reverse order, at least bucket_size bytes") {
  dtsim::WorkloadSpec w;
  w.params = 1000;
  w.bytes_per_param = 4;
  w.compute_time = 3;
  w.layers = {100, 300, 200, 400};  // forward order
  w.bucket_size = 2000;             // 500 params
  const dtsim::BucketSchedule s = dtsim::make_bucket_schedule(w);
  CHECK(s.forward_time == doctest::Approx(1));
  CHECK(s.backward_time == doctest::Approx(2));
  REQUIRE(s.buckets.size() == 2);
  CHECK(s.buckets[0].first_layer == 2);  // layers 3, 2: 600 params
  CHECK(s.buckets[0].bytes == doctest::Approx(2400));
  CHECK(s.buckets[0].backward_done == doctest::Approx(2 * 0.6));
  CHECK(s.buckets[1].first_layer == 0);  // layers 1, 0: the remainder
  CHECK(s.buckets[1].bytes == doctest::Approx(1600));
  CHECK(s.buckets[1].backward_done == doctest::Approx(2));
  CHECK(s.value_range(0, 10) == std::pair<std::size_t, std::size_t>{4, 10});
  CHECK(s.value_range(1, 10) == std::pair<std::size_t, std::size_t>{0, 4});
}

TEST_CASE("training: bucket overlap matches the closed form (2 equal buckets, switch, exact model)") {
  const int p = 4;
  const double params = 1e6, bytes = 4 * params;
  const double a = ring_time(p, bytes / 2);
  for (double c : {0.002, 0.005, 0.010}) {  // comm-bound and compute-bound
    json s = dtsim::test::base_scenario(p);
    s["workload"] = {{"params", static_cast<long>(params)}, {"bytes_per_param", 4}, {"compute_time", c},
                     {"layers", {1, 1}}, {"bucket_size", bytes / 2}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
    const json r = dtsim::test::simulate(s);
    // forward c/3, backward 2c/3: bucket 1 (last layer) ready at 2c/3, bucket 2 at c.
    const double expected = std::max(c, 2 * c / 3 + a) + a;
    const double got = r["iteration_time_s"].get<double>();
    INFO("c=" << c << " a=" << a << " expected " << expected << " simulated " << got);
    CHECK(std::abs(got - expected) / expected <= 1e-6);
  }
}

TEST_CASE("training: bucket overlap on ResNet-50 matches the schedule's prediction") {
  const int p = 8;
  json s = dtsim::test::base_scenario(p);
  s["workload"] = {{"model", "resnet50"}, {"compute_time", "100ms"}, {"bucket_size", "25MB"}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  const dtsim::ScenarioResult parsed = dtsim::parse_scenario(s);
  REQUIRE(parsed.ok());
  const dtsim::BucketSchedule schedule = dtsim::make_bucket_schedule(parsed.scenario.workload);
  CHECK(schedule.buckets.size() >= 4);
  const double expected = dtsim::predicted_iteration_time(schedule, [&](double b) { return ring_time(p, b); });
  const double got = dtsim::test::simulate(s)["iteration_time_s"].get<double>();
  INFO("predicted " << expected << " simulated " << got);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
}

TEST_CASE("training: bucket overlap hides communication: exposed below comm and equal without buckets") {
  json s = dtsim::test::base_scenario(4);
  s["workload"] = {{"params", 1000000}, {"bytes_per_param", 4}, {"compute_time", "10ms"},
                   {"layers", {1, 1, 1, 1}}, {"bucket_size", "1MB"}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  const json bucketed = dtsim::test::simulate(s);
  CHECK(bucketed["exposed_comm_time_s"].get<double>() < bucketed["comm_time_s"].get<double>() - 1e-6);
  s["workload"]["bucket_size"] = 0;
  const json plain = dtsim::test::simulate(s);
  CHECK(plain["exposed_comm_time_s"].get<double>() == doctest::Approx(plain["comm_time_s"].get<double>()));
  CHECK(bucketed["iteration_time_s"].get<double>() < plain["iteration_time_s"].get<double>());
}

TEST_CASE("training: bucket overlap with real numerics gives the same parameters as without") {
  auto run = [](const json& bucket) {
    json s = dtsim::test::base_scenario(4);
    s["workload"] = {{"model", "softmax_regression"},
                     {"proxy", "resnet50"},  // 107-layer profile: the gradient is cut into several buckets
                     {"batch_per_gpu", 16},
                     {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 1024}, {"test_limit", 200}}},
                     {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}},
                     {"bucket_size", bucket}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
    s["run"] = {{"iterations", 20}, {"warmup_iterations", 1}};
    s["seed"] = 5;
    return dtsim::test::simulate(s);
  };
  const json plain = run(0), bucketed = run("25MB");
  CHECK(bucketed["iteration_time_s"].get<double>() < plain["iteration_time_s"].get<double>());
  for (int r = 0; r < 4; ++r) {
    const auto a = bucketed["final_params"][r].get<std::vector<float>>();
    const auto b = plain["final_params"][r].get<std::vector<float>>();
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
    INFO("rank " << r << " max |difference| " << worst);
    CHECK(worst <= 1e-6);
  }
}

TEST_CASE("training: bucket overlap shortens the ResNet-50 iteration on 8 V100s (25MB buckets)") {
  json s = dtsim::test::base_scenario(8);
  s["cluster"]["gpu"] = "V100";
  s["workload"] = {{"model", "resnet50"}, {"batch_per_gpu", 64}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  const json plain = dtsim::test::simulate(s);
  s["workload"]["bucket_size"] = "25MB";
  const json bucketed = dtsim::test::simulate(s);
  MESSAGE("ResNet-50, 8 x V100, 10Gbps switch: iteration " << plain["iteration_time_s"].get<double>()
          << " s without buckets, " << bucketed["iteration_time_s"].get<double>() << " s with 25MB buckets; exposed comm "
          << plain["exposed_comm_time_s"].get<double>() << " -> " << bucketed["exposed_comm_time_s"].get<double>());
  CHECK(bucketed["iteration_time_s"].get<double>() < plain["iteration_time_s"].get<double>());
  CHECK(bucketed["exposed_comm_time_s"].get<double>() < plain["exposed_comm_time_s"].get<double>());
}
