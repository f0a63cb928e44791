// Real numerics driven by the simulated cluster: PSGD equals large-batch SGD, full-batch PSGD on
// least squares finds x*, Fashion-MNIST accuracy targets, early stop on target accuracy.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

json numeric_scenario(int nodes, int batch, const std::string& algorithm) {
  json s = dtsim::test::base_scenario(nodes);
  s["workload"] = {{"model", "softmax_regression"},
                   {"batch_per_gpu", batch},
                   {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 4096}, {"test_limit", 1000}}},
                   // global_shuffle: n ranks x batch b draw exactly the samples of one rank x batch n b
                   {"partition", {{"kind", "global_shuffle"}}},
                   {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}}};
  s["algorithm"] = {{"name", algorithm}};
  if (algorithm == "parameter_server") s["algorithm"]["servers"] = 2;
  s["run"] = {{"iterations", 50}, {"warmup_iterations", 1}};
  s["seed"] = 11;
  return s;
}

double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    norm += double(b[i]) * b[i];
  }
  return std::sqrt(diff / norm);
}

void check_equivalence(const std::string& algorithm) {
  json many = dtsim::test::simulate(numeric_scenario(8, 16, algorithm));
  json one = dtsim::test::simulate(numeric_scenario(1, 128, "allreduce"));
  const auto reference = one["final_params"][0].get<std::vector<float>>();
  for (int r = 0; r < 8; ++r) {
    const double d = relative_difference(many["final_params"][r].get<std::vector<float>>(), reference);
    INFO(algorithm << " rank " << r << " relative difference " << d);
    CHECK(d <= 1e-5);
  }
  CHECK(many["numerics"]["samples_processed"] == 50 * 8 * 16);
  CHECK(many["numerics"]["batched_gradient_steps"] == 50);  // identical replicas: one pass per step
}

}  // namespace

TEST_CASE("core: PSGD over ring allreduce equals one rank with the global batch after 50 steps") {
  check_equivalence("allreduce");
}

TEST_CASE("core: synchronous parameter server equals one rank with the global batch after 50 steps") {
  check_equivalence("parameter_server");
}

TEST_CASE("core: full-batch PSGD on heterogeneous least squares converges to x*") {
  json s = dtsim::test::base_scenario(4);
  s["workload"] = {{"model", "linear_regression"},
                   {"batch_per_gpu", 50},  // = samples_per_rank: full batch
                   {"dataset", {{"name", "synthetic_least_squares"}, {"dim", 10}, {"samples_per_rank", 50},
                                {"heterogeneity", 1.0}}},
                   {"optimizer", {{"name", "sgd"}, {"lr", 0.1}}}};
  s["run"] = {{"iterations", 400}, {"warmup_iterations", 1}};
  json r = dtsim::test::simulate(s);
  const double distance = r["numerics"]["relative_distance_to_optimum"].get<double>();
  INFO("relative distance to x*: " << distance);
  CHECK(distance <= 1e-5);  // float training; the double-precision check lives in the kernels tests
  CHECK(r["numerics"]["final_test_accuracy"].is_null());  // regression has no accuracy
}

TEST_CASE("core: softmax regression over 8 ranks reaches 0.83 on Fashion-MNIST and stops early") {
  json s = dtsim::test::base_scenario(8);
  s["workload"] = {{"model", "softmax_regression"},
                   {"batch_per_gpu", 32},
                   {"dataset", {{"name", "fashion_mnist"}}},
                   {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}}};
  s["seed"] = 7;
  s["run"] = {{"epochs", 3}, {"eval_every", 50}, {"target_accuracy", 0.83}, {"warmup_iterations", 1}};
  json r = dtsim::test::simulate(s);
  const json& n = r["numerics"];
  INFO(n.dump());
  REQUIRE_FALSE(n["time_to_accuracy_s"].is_null());
  CHECK(n["final_test_accuracy"].get<double>() >= 0.83);
  const int planned = static_cast<int>(std::ceil(3.0 * 60000 / (8 * 32)));
  CHECK(r["iterations"].get<int>() == n["iterations_to_accuracy"].get<int>());
  CHECK(r["iterations"].get<int>() < planned);  // stopped on the target, not on epochs
  CHECK(n["time_to_accuracy_s"].get<double>() == doctest::Approx(r["sim_time_s"].get<double>()));
}

TEST_CASE("core: an MLP over 8 ranks reaches 0.87 on Fashion-MNIST") {
  json s = dtsim::test::base_scenario(8);
  s["workload"] = {{"model", "mlp"},
                   {"hidden", {256, 128}},
                   {"batch_per_gpu", 32},
                   {"dataset", {{"name", "fashion_mnist"}}},
                   {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}}};
  s["seed"] = 3;
  s["run"] = {{"epochs", 8}, {"eval_every", 100}, {"target_accuracy", 0.87}, {"warmup_iterations", 1}};
  json r = dtsim::test::simulate(s);
  INFO(r["numerics"].dump());
  CHECK(r["numerics"]["final_test_accuracy"].get<double>() >= 0.87);
}

TEST_CASE("core: a proxy charges the catalog model's time and size while training the real model") {
  json s = numeric_scenario(4, 16, "allreduce");
  s["workload"]["proxy"] = "resnet50";
  s["workload"]["batch_per_gpu"] = 64;
  s["cluster"]["gpu"] = "V100";
  s["run"] = {{"iterations", 3}, {"warmup_iterations", 1}};
  json r = dtsim::test::simulate(s);
  CHECK(r["message_bytes"].get<double>() == doctest::Approx(25557032.0 * 4));
  CHECK(r["compute_time_s"].get<double>() == doctest::Approx(64.0 / 1200));
  CHECK(r["numerics"]["proxy"] == "resnet50");
  CHECK(r["numerics"]["real_params"] == 7850);
}

TEST_CASE("core: evaluation is free unless run.eval_time charges it") {
  json s = numeric_scenario(4, 16, "allreduce");
  s["workload"]["compute_time"] = "2ms";
  s["run"] = {{"iterations", 10}, {"warmup_iterations", 1}, {"eval_every", 5}, {"eval_time", "1ms"}};
  json r = dtsim::test::simulate(s);
  const auto& rows = r["rows"];
  const double plain = rows[1]["iteration_time"].get<double>();
  for (int k : {4, 9}) CHECK(rows[k]["iteration_time"].get<double>() == doctest::Approx(plain + 1e-3).epsilon(1e-9));
  for (int k : {1, 2, 3, 5, 6, 7, 8}) CHECK(rows[k]["iteration_time"].get<double>() == doctest::Approx(plain));
  s["run"].erase("eval_time");
  json free_eval = dtsim::test::simulate(s);
  CHECK(free_eval["rows"][4]["iteration_time"].get<double>() == doctest::Approx(plain));
}
