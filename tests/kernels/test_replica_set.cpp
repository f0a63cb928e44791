// ReplicaSet: synchronous n ranks x batch b equals one rank x batch n*b; the batched path
// equals one rank at a time; a short run actually learns.
#include <doctest/doctest.h>

#include <memory>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/replica_set.h"
#include "kernels/vector_ops.h"
#include "test_helpers.h"
#include "tests/support/test_support.h"

using namespace dtsim::kernels;
using dtsim::kernels::testing::rel_diff;

namespace {

std::shared_ptr<const DataBundle> fashion_subset(Index train, Index test) {
  DatasetSpec spec;
  spec.train_limit = train;
  spec.test_limit = test;
  return std::make_shared<const DataBundle>(load_dataset(spec));
}

ReplicaSpec mlp_spec(int ranks, Index batch) {
  ReplicaSpec spec;
  spec.model.kind = ModelKind::mlp;
  spec.model.hidden = {64, 32};
  spec.partition.kind = PartitionKind::global_shuffle;
  spec.optimizer.kind = OptimizerKind::momentum;
  spec.optimizer.lr = 0.05;
  spec.optimizer.weight_decay = 1e-4;
  spec.ranks = ranks;
  spec.batch_size = batch;
  spec.seed = 42;
  spec.backend = Backend::cpu;
  return spec;
}

// Synchronous data-parallel SGD: every rank steps with the average of all gradients.
void psgd_step(ReplicaSet& set, std::int64_t step) {
  const auto results = set.compute_all_gradients(step);
  std::vector<const Vector*> grads;
  for (const auto& r : results) grads.push_back(&r.gradient);
  const Vector mean = average(grads);
  for (int r = 0; r < set.size(); ++r) set.apply_update(r, mean);
}

}  // namespace

TEST_CASE("kernels: n ranks x batch b equals one rank x batch n*b after 50 steps") {
  const auto data = fashion_subset(4096, 0);
  ReplicaSet many(mlp_spec(8, 16), data);
  ReplicaSet one(mlp_spec(1, 128), data);
  REQUIRE(many.params_identical());
  CHECK(rel_diff(many.params(0), one.params(0)) == 0.0);
  for (std::int64_t step = 0; step < 50; ++step) {
    psgd_step(many, step);
    one.apply_update(0, one.compute_gradient(0, step).gradient);
  }
  CHECK(many.params_identical());  // synchronous ranks stay bit-identical
  const double diff = rel_diff(many.params(0), one.params(0));
  const double moved = rel_diff(one.params(0), Vector(one.model().init_params(42)));
  INFO("rel diff after 50 steps: ", diff, ", distance travelled: ", moved);
  CHECK(moved > 1e-2);  // training actually changed the parameters
  CHECK(diff <= 1e-5);
}

TEST_CASE("kernels: compute_all_gradients equals compute_gradient per rank") {
  const auto data = fashion_subset(2048, 0);
  auto spec = mlp_spec(6, 16);
  spec.partition.kind = PartitionKind::iid;
  spec.threads = 2;
  ReplicaSet set(spec, data);
  SUBCASE("shared parameters (stacked batches)") { REQUIRE(set.params_identical()); }
  SUBCASE("different parameters (one rank at a time)") {
    for (int r = 0; r < set.size(); ++r) set.params(r) += Vector::Constant(set.num_params(), 0.01f * r);
    REQUIRE_FALSE(set.params_identical());
  }
  const auto all = set.compute_all_gradients(3);
  for (int r = 0; r < set.size(); ++r) {
    const auto single = set.compute_gradient(r, 3);
    CHECK(all[r].loss == doctest::Approx(single.loss).epsilon(1e-5));
    CHECK(rel_diff(all[r].gradient, single.gradient) <= 1e-5);
    CHECK(all[r].samples == 16);
  }
  CHECK(rel_diff(all[0].gradient, all[1].gradient) > 1e-3);  // ranks see different data
}

TEST_CASE("kernels: softmax regression over 8 ranks learns Fashion-MNIST") {
  const auto data = fashion_subset(0, 0);
  ReplicaSpec spec;
  spec.model.kind = ModelKind::softmax_regression;
  spec.partition.kind = PartitionKind::iid;
  spec.optimizer.kind = OptimizerKind::momentum;
  spec.optimizer.lr = 0.05;
  spec.ranks = 8;
  spec.batch_size = 32;
  spec.backend = Backend::cpu;
  ReplicaSet set(spec, data);
  const double before = *set.evaluate(set.params(0)).accuracy;
  for (std::int64_t step = 0; step < 300; ++step) psgd_step(set, step);
  const auto eval = set.evaluate(set.average_params());
  INFO("test accuracy ", before, " -> ", *eval.accuracy, ", loss ", eval.loss);
  CHECK(*eval.accuracy >= 0.78);
  CHECK(set.backend() == Backend::cpu);
}

TEST_CASE("kernels: ReplicaSet rejects a cuda backend it cannot use") {
  if (cuda::device_status().usable()) {
    dtsim::test::skip_test("a usable GPU is present; this checks the fallback where there is none");
    return;
  }
  auto spec = mlp_spec(1, 8);
  spec.backend = Backend::cuda;
  DatasetSpec ds;
  ds.kind = DatasetKind::synthetic_least_squares;
  ds.dim = 4;
  ds.samples_per_rank = 8;
  auto data = std::make_shared<const DataBundle>(load_dataset(ds));
  spec.model.kind = ModelKind::linear_regression;
  spec.partition.kind = PartitionKind::contiguous;
  CHECK_THROWS_AS(ReplicaSet(spec, data), std::runtime_error);
  spec.backend = Backend::automatic;
  ReplicaSet set(spec, data);
  CHECK(set.backend() == Backend::cpu);
  CHECK_FALSE(set.backend_note().empty());
}
