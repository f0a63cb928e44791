// The Fashion-MNIST MLP scenario the compression tests train on: 8 ranks x 32 samples, MLP 784-64-10,
// momentum 0.9 with lr 0.05 on the summed gradient, seed 7; `compression` null means uncompressed.
#pragma once
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace dtsim::test {

inline nlohmann::json mlp_compression_scenario(const nlohmann::json& compression, int train_limit, double epochs) {
  nlohmann::json s = base_scenario(8);
  s["seed"] = 7;
  s["workload"] = {{"model", "mlp"},
                   {"hidden", {64}},
                   {"batch_per_gpu", 32},
                   {"dataset", {{"name", "fashion_mnist"}, {"train_limit", train_limit}, {"test_limit", 2000}}},
                   {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}}};
  s["run"] = {{"epochs", epochs}, {"warmup_iterations", 1}};
  if (!compression.is_null()) s["algorithm"] = {{"name", "allreduce"}, {"compression", compression}};
  return s;
}

inline double final_test_accuracy(const nlohmann::json& summary) {
  return summary["numerics"]["final_test_accuracy"].get<double>();
}

}  // namespace dtsim::test
