// Workload::gradient_layout: the tensors of the numeric model's flat gradient, in order, as
// compressors that work tensor by tensor see them (kernels/dense_layout.h: per layer W, then b).
#include <doctest/doctest.h>

#include "sim/engine/load_scenario.h"
#include "sim/engine/numeric_workload.h"
#include "tests/support/test_support.h"

namespace {

dtsim::GradientLayout layout_of(const nlohmann::json& workload) {
  nlohmann::json s = dtsim::test::base_scenario(2);
  s["workload"] = workload;
  const dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE(r.ok());
  return dtsim::NumericWorkload(r.scenario, true, 4).gradient_layout();
}

}  // namespace

TEST_CASE("gradient layout: the MLP's weight matrices (in x out, row-major) and biases, in parameter order") {
  const dtsim::GradientLayout l =
      layout_of({{"model", "mlp"},
                 {"hidden", {64}},
                 {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 256}, {"test_limit", 64}}}});
  REQUIRE(l.size() == 4);
  CHECK(l[0].rows == 784);  // W1: 64 x 784 column-major = 784 x 64 row-major
  CHECK(l[0].cols == 64);
  CHECK(l[1].rows == 64);
  CHECK(l[1].cols == 1);
  CHECK(l[2].rows == 64);
  CHECK(l[2].cols == 10);
  CHECK(l[3].rows == 10);
  CHECK(l[3].cols == 1);
  std::size_t total = 0;
  for (const dtsim::TensorShape& t : l) total += t.size();
  CHECK(total == 784 * 64 + 64 + 64 * 10 + 10);  // 50,890: the model's parameters
}

TEST_CASE("gradient layout: unknown without numerics") {
  nlohmann::json s = dtsim::test::base_scenario(2);
  const dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE(r.ok());
  CHECK(dtsim::TimingWorkload(r.scenario).gradient_layout().empty());
}
