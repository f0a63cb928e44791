// Gradient fusion (workload.fusion): DDP buckets and Horovod cycles overlap the backward pass, whose
// gradient-ready times follow the layers' FLOPs.
#include <doctest/doctest.h>

#include <cmath>

#include "algorithms/collectives/collective.h"
#include "algorithms/training/bucket_schedule.h"
#include "algorithms/training/fusion_policy.h"
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

TEST_CASE("training: gradient-ready times follow the layers' FLOPs (backward = 2 x forward)") {
  dtsim::WorkloadSpec w;
  w.params = 1000;
  w.bytes_per_param = 4;
  w.compute_time = 3;
  w.layers = {{100, 10}, {300, 0}, {200, 30}, {400, 60}};  // forward order: [params, forward FLOPs]
  const dtsim::BucketSchedule s = dtsim::make_bucket_schedule(w);
  CHECK(s.forward_time == doctest::Approx(1));   // F / (F + 2F) of 3 s
  CHECK(s.backward_time == doctest::Approx(2));
  REQUIRE(s.layers.size() == 4);                  // backward order: layer 3 first
  // By hand: layer 3 holds 60 of the 100 FLOPs, so it is ready after 2 x 0.6 s of backward; layer 2
  // after (60 + 30) / 100; layer 1 has no FLOPs (ready with layer 2); layer 0 at the end.
  CHECK(s.layers[0].backward_done == doctest::Approx(1.2));
  CHECK(s.layers[1].backward_done == doctest::Approx(1.8));
  CHECK(s.layers[2].backward_done == doctest::Approx(1.8));
  CHECK(s.layers[3].backward_done == doctest::Approx(2));
  REQUIRE(s.buckets.size() == 1);                 // policy none: one allreduce when backward ends
  CHECK(s.buckets[0].bytes == doctest::Approx(4000));
  CHECK(s.buckets[0].backward_done == doctest::Approx(2));
}

TEST_CASE("training: gradient accumulation: only the last micro-batch's backward pass overlaps the exchange") {
  dtsim::WorkloadSpec w;
  w.params = 1000;
  w.bytes_per_param = 4;
  w.compute_time = 12;          // 4 micro-batches of 3 s: forward 1 s, backward 2 s each
  w.accumulation_steps = 4;
  w.layers = {{100, 10}, {300, 0}, {200, 30}, {400, 60}};
  const dtsim::BucketSchedule s = dtsim::make_bucket_schedule(w);
  CHECK(s.forward_time == doctest::Approx(10));  // 3 whole micro-batches + the last forward pass
  CHECK(s.backward_time == doctest::Approx(2));
  REQUIRE(s.layers.size() == 4);
  CHECK(s.layers[0].backward_done == doctest::Approx(1.2));  // as without accumulation, within the last backward
  CHECK(s.layers[3].backward_done == doctest::Approx(2));

  json scenario = dtsim::test::base_scenario(2);
  scenario["workload"] = {{"params", 1000}, {"compute_time", "1s"}, {"batch_per_gpu", 8}, {"accumulation_steps", 9}};
  const dtsim::ScenarioResult bad = dtsim::parse_scenario(scenario);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors.front().find("/workload/accumulation_steps") != std::string::npos);
}

TEST_CASE("training: DDP buckets: a small first bucket, then bucket_cap, in reverse layer order") {
  dtsim::WorkloadSpec w;
  w.params = 1000;
  w.bytes_per_param = 4;
  w.compute_time = 3;
  w.layers = {{100, 10}, {300, 0}, {200, 30}, {400, 60}};  // bytes 400, 1200, 800, 1600
  w.fusion.policy = "ddp";
  w.fusion.options = dtsim::OptionValues(json{{"first_bucket", 1000}, {"bucket_cap", 2000}});
  const dtsim::BucketSchedule s = dtsim::make_bucket_schedule(w);
  REQUIRE(s.buckets.size() == 3);
  CHECK(s.buckets[0].first_layer == 3);  // 1600 B >= 1000: the first bucket closes at once
  CHECK(s.buckets[0].last_layer == 3);
  CHECK(s.buckets[0].backward_done == doctest::Approx(1.2));
  CHECK(s.buckets[1].first_layer == 1);  // 800 + 1200 = 2000 B >= 2000
  CHECK(s.buckets[1].last_layer == 2);
  CHECK(s.buckets[1].bytes == doctest::Approx(2000));
  CHECK(s.buckets[1].backward_done == doctest::Approx(1.8));
  CHECK(s.buckets[2].first_layer == 0);  // the remainder
  CHECK(s.buckets[2].bytes == doctest::Approx(400));
  CHECK(s.buckets[2].backward_done == doctest::Approx(2));
  CHECK(s.value_range(0, 10) == std::pair<std::size_t, std::size_t>{6, 10});
  CHECK(s.value_range(1, 10) == std::pair<std::size_t, std::size_t>{1, 6});
  CHECK(s.value_range(2, 10) == std::pair<std::size_t, std::size_t>{0, 1});
}

TEST_CASE("training: VGG-16's fc gradients are ready early in the backward pass (FLOP timeline)") {
  json s = dtsim::test::base_scenario(2);
  s["workload"] = {{"model", "vgg16"}, {"compute_time", "300ms"}};
  const dtsim::ScenarioResult parsed = dtsim::parse_scenario(s);
  REQUIRE(parsed.ok());
  const dtsim::BucketSchedule schedule = dtsim::make_bucket_schedule(parsed.scenario.workload);
  REQUIRE(schedule.layers.size() == 16);
  double fc_params = 0;
  for (int k = 0; k < 3; ++k) fc_params += schedule.layers[k].params;
  // fc6-fc8: 123.6 M of 138.4 M parameters (89 %) but 0.24 of 30.9 GFLOPs: ready after < 1 % of backward.
  CHECK(fc_params / schedule.total_params == doctest::Approx(0.8935).epsilon(1e-3));
  CHECK(schedule.layers[2].backward_done / schedule.backward_time < 0.01);
}

TEST_CASE("training: bucket overlap matches the closed form (2 equal buckets, switch, exact model)") {
  const int p = 4;
  const double params = 1e6, bytes = 4 * params;
  const double a = ring_time(p, bytes / 2);
  for (double c : {0.002, 0.005, 0.010}) {  // comm-bound and compute-bound
    json s = dtsim::test::base_scenario(p);
    s["workload"] = {{"params", static_cast<long>(params)}, {"bytes_per_param", 4}, {"compute_time", c},
                     {"layers", {1, 1}}, {"fusion", {{"policy", "ddp"}, {"bucket_cap", bytes / 2}, {"first_bucket", bytes / 2}}}};
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
  s["workload"] = {{"model", "resnet50"}, {"compute_time", "100ms"}, {"fusion", {{"policy", "ddp"}}}};
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
                   {"layers", {1, 1, 1, 1}}, {"fusion", {{"policy", "ddp"}, {"bucket_cap", "1MB"}, {"first_bucket", "1MB"}}}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  const json bucketed = dtsim::test::simulate(s);
  CHECK(bucketed["exposed_comm_time_s"].get<double>() < bucketed["comm_time_s"].get<double>() - 1e-6);
  s["workload"]["fusion"] = {{"policy", "none"}};
  const json plain = dtsim::test::simulate(s);
  CHECK(plain["exposed_comm_time_s"].get<double>() == doctest::Approx(plain["comm_time_s"].get<double>()));
  CHECK(bucketed["iteration_time_s"].get<double>() < plain["iteration_time_s"].get<double>());
}

TEST_CASE("training: bucket overlap with real numerics gives the same parameters as without") {
  auto run = [](const json& fusion) {
    json s = dtsim::test::base_scenario(4);
    s["workload"] = {{"model", "softmax_regression"},
                     {"proxy", "resnet50"},  // 107-layer profile: the gradient is cut into several buckets
                     {"batch_per_gpu", 16},
                     {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 1024}, {"test_limit", 200}}},
                     {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}},
                     {"fusion", fusion}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
    s["run"] = {{"iterations", 20}, {"warmup_iterations", 1}};
    s["seed"] = 5;
    return dtsim::test::simulate(s);
  };
  const json plain = run({{"policy", "none"}});
  for (const json& fusion : {json{{"policy", "ddp"}}, json{{"policy", "horovod"}, {"threshold", "8MB"}}}) {
  const json bucketed = run(fusion);
  INFO("fusion " << fusion.dump());
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
}

TEST_CASE("training: bucket overlap shortens the ResNet-50 iteration on 8 V100s (25MB buckets)") {
  json s = dtsim::test::base_scenario(8);
  s["cluster"]["gpu"] = "V100";
  s["workload"] = {{"model", "resnet50"}, {"batch_per_gpu", 64}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  const json plain = dtsim::test::simulate(s);
  s["workload"]["fusion"] = {{"policy", "ddp"}};
  const json bucketed = dtsim::test::simulate(s);
  MESSAGE("ResNet-50, 8 x V100, 10Gbps switch: iteration " << plain["iteration_time_s"].get<double>()
          << " s without buckets, " << bucketed["iteration_time_s"].get<double>() << " s with 25MB buckets; exposed comm "
          << plain["exposed_comm_time_s"].get<double>() << " -> " << bucketed["exposed_comm_time_s"].get<double>());
  CHECK(bucketed["iteration_time_s"].get<double>() < plain["iteration_time_s"].get<double>());
  CHECK(bucketed["exposed_comm_time_s"].get<double>() < plain["exposed_comm_time_s"].get<double>());
}

namespace {

// A 3-layer model on 4 ranks (ring, exact network): layer 2 (2 MB of gradient) ready at 20 ms, layer 1
// (1 MB) at 25 ms, layer 0 (1 MB) at 30 ms = the end of compute (forward 10 ms, backward 20 ms).
json horovod_scenario(const std::string& threshold, const std::string& cycle) {
  json s = dtsim::test::base_scenario(4);
  s["workload"] = {{"params", 1000000}, {"bytes_per_param", 4}, {"compute_time", "30ms"},
                   {"layers", {{250000, 1}, {250000, 1}, {500000, 2}}},
                   {"fusion", {{"policy", "horovod"}, {"threshold", threshold}, {"cycle_time", cycle}}}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  return s;
}

}  // namespace

TEST_CASE("training: Horovod cycles fuse the ready gradients (hand-computed timeline, exact network)") {
  const double a1 = ring_time(4, 1e6), a2 = ring_time(4, 2e6);
  struct Case {
    std::string threshold, cycle;
    double expected;
    const char* why;
  };
  const Case cases[] = {
      // Cycles every 3.5 ms: at 21 ms layer 2 is ready (alone); the cycle after it ends starts at 24.5 ms
      // (a2 < 3.5 ms), too early for layer 1 (25 ms); at 28 ms layer 1; at 31.5 ms layer 0.
      {"64MiB", "3.5ms", 0.0315 + a1, "one layer per cycle"},
      // Cycles every 12 ms: layer 2 at 24 ms; at 36 ms layers 1 and 0 are both ready: fused (2 MB).
      {"64MiB", "12ms", 0.036 + a2, "layers 1 and 0 fused"},
      // The same with a 1.5 MB threshold: layers 1 and 0 do not fit together: two allreduces.
      {"1.5MB", "12ms", 0.036 + 2 * a1, "threshold splits the cycle"},
  };
  for (const Case& c : cases) {
    const json r = dtsim::test::simulate(horovod_scenario(c.threshold, c.cycle));
    const double got = r["iteration_time_s"].get<double>();
    INFO(c.why << ": expected " << c.expected << " simulated " << got);
    CHECK(std::abs(got - c.expected) / c.expected <= 1e-9);
    // The planner gives the same timeline.
    const dtsim::ScenarioResult parsed = dtsim::parse_scenario(horovod_scenario(c.threshold, c.cycle));
    REQUIRE(parsed.ok());
    const dtsim::RuntimeFusion f = *dtsim::make_fusion_policy(parsed.scenario.workload.fusion)->runtime();
    const auto steps = dtsim::horovod_timeline(dtsim::make_bucket_schedule(parsed.scenario.workload), f.threshold,
                                               f.cycle_time, [](double b) { return ring_time(4, b); });
    CHECK(std::abs(steps.back().end - c.expected) / c.expected <= 1e-12);
  }
}

TEST_CASE("training: Horovod on ResNet-50 (8 ranks) matches its planned timeline") {
  json s = dtsim::test::base_scenario(8);
  s["workload"] = {{"model", "resnet50"}, {"compute_time", "100ms"},
                   {"fusion", {{"policy", "horovod"}, {"threshold", "16MiB"}, {"cycle_time", "5ms"}}}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  const dtsim::ScenarioResult parsed = dtsim::parse_scenario(s);
  REQUIRE(parsed.ok());
  const dtsim::BucketSchedule schedule = dtsim::make_bucket_schedule(parsed.scenario.workload);
  const auto steps = dtsim::horovod_timeline(schedule, 16 * 1048576.0, 0.005, [](double b) { return ring_time(8, b); });
  CHECK(steps.size() >= 4);
  const double expected = std::max(0.1, steps.back().end);
  const double got = dtsim::test::simulate(s)["iteration_time_s"].get<double>();
  INFO("planned " << expected << " simulated " << got << " in " << steps.size() << " fused allreduces");
  CHECK(std::abs(got - expected) / expected <= 1e-9);
}

TEST_CASE("training: fusion with stragglers: every rank waits for the slowest, runs are bit-identical") {
  for (const char* policy : {"ddp", "horovod"}) {
    json s = dtsim::test::base_scenario(4);
    s["workload"] = {{"model", "resnet50"}, {"compute_time", "50ms"}, {"fusion", {{"policy", policy}}}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
    s["run"] = {{"iterations", 6}, {"warmup_iterations", 1}};
    const double steady = dtsim::test::simulate(s)["iteration_time_s"].get<double>();
    // Rank 0 (Horovod's coordinator) and rank 2 slowed down, plus per-step noise.
    s["stragglers"] = {{"rank_factors", {{{"ranks", {0, 2}}, {"factor", 1.5}}}},
                       {"noise", {{"distribution", "lognormal"}, {"sigma", 0.2}}}};
    s["seed"] = 11;
    const json a = dtsim::test::simulate(s), b = dtsim::test::simulate(s);
    INFO(policy << ": steady " << steady << " s, with stragglers " << a["iteration_time_s"].get<double>() << " s");
    CHECK(a["iteration_time_s"].get<double>() == b["iteration_time_s"].get<double>());  // bit for bit
    CHECK(a["iteration_time_s"].get<double>() >= 1.5 * 0.05);  // the slow ranks' compute bounds the iteration
    CHECK(a["iteration_time_s"].get<double>() > steady);
  }
}
