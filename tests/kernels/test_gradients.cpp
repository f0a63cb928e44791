// Every model's analytic gradient against central finite differences, in double precision.
#include <doctest/doctest.h>

#include "kernels/model_factory.h"
#include "test_helpers.h"

using namespace dtsim::kernels;
using dtsim::kernels::testing::random_classification;
using dtsim::kernels::testing::rel_diff;

namespace {

// Central differences of the batch loss, one parameter at a time (h^2 truncation error).
Vec<double> finite_difference(const ModelT<double>& model, Vec<double> p, const Batch<double>& batch) {
  const double h = 1e-6;
  Vec<double> fd(p.size()), scratch(p.size());
  for (Index i = 0; i < p.size(); ++i) {
    const double keep = p(i);
    p(i) = keep + h;
    const double up = model.loss_and_gradient(p, batch, scratch);
    p(i) = keep - h;
    const double down = model.loss_and_gradient(p, batch, scratch);
    p(i) = keep;
    fd(i) = (up - down) / (2 * h);
  }
  return fd;
}

// Random parameters (non-zero biases too) so that no term of the gradient is trivially zero.
Vec<double> random_params(Index n, std::uint64_t seed) {
  Rng rng(seed);
  Vec<double> p(n);
  for (Index i = 0; i < n; ++i) p(i) = 0.5 * rng.normal();
  return p;
}

void check_model(const ModelSpec& spec, const Dataset& data) {
  auto model = make_model<double>(spec, data.dim(), data.num_classes);
  const Batch<double> batch = whole<double>(data);
  const Vec<double> p = random_params(model->num_params(), 7);
  Vec<double> grad(model->num_params());
  model->loss_and_gradient(p, batch, grad);
  const Vec<double> fd = finite_difference(*model, p, batch);
  const double err = rel_diff(grad, fd);
  INFO(model->name(), " rel err ", err);
  CHECK(grad.norm() > 1e-3);  // a zero gradient would pass trivially
  CHECK(err <= 1e-4);
}

}  // namespace

TEST_CASE("kernels: softmax regression gradient matches finite differences") {
  ModelSpec spec;
  spec.kind = ModelKind::softmax_regression;
  check_model(spec, random_classification(9, 6, 4, 1));
}

TEST_CASE("kernels: MLP gradient matches finite differences") {
  ModelSpec spec;
  spec.kind = ModelKind::mlp;
  spec.hidden = {7, 5};
  check_model(spec, random_classification(9, 6, 4, 2));
}

TEST_CASE("kernels: linear regression gradient matches finite differences") {
  Dataset data = random_classification(9, 6, 2, 3);
  data.num_classes = 0;
  data.labels.clear();
  data.targets = Vector::Random(9);
  ModelSpec spec;
  spec.kind = ModelKind::linear_regression;
  check_model(spec, data);
}

TEST_CASE("kernels: grouped gradients equal one gradient per group") {
  // The stacked path that synchronous ranks use must give each group its own mean gradient.
  ModelSpec spec;
  spec.kind = ModelKind::mlp;
  spec.hidden = {8};
  const Dataset data = random_classification(12, 5, 3, 4);
  auto model = make_model<double>(spec, data.dim(), data.num_classes);
  const Vec<double> p = random_params(model->num_params(), 8);
  const Batch<double> all = whole<double>(data);
  std::vector<Vec<double>> grouped(3, Vec<double>(model->num_params()));
  double* ptrs[3] = {grouped[0].data(), grouped[1].data(), grouped[2].data()};
  double losses[3];
  model->grouped_loss_and_gradients(p, all, 4, ptrs, losses);
  for (int g = 0; g < 3; ++g) {
    const Batch<double> part = gather<double>(data, {4 * g, 4 * g + 1, 4 * g + 2, 4 * g + 3});
    Vec<double> single(model->num_params());
    const double loss = model->loss_and_gradient(p, part, single);
    CHECK(losses[g] == doctest::Approx(loss).epsilon(1e-12));
    CHECK(rel_diff(grouped[g], single) <= 1e-12);
  }
}

TEST_CASE("kernels: model sizes and FLOPs") {
  ModelSpec spec;
  spec.kind = ModelKind::mlp;
  spec.hidden = {256, 128};
  auto mlp = make_model<float>(spec, 784, 10);
  CHECK(mlp->num_params() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
  CHECK(mlp->flops_per_sample() == doctest::Approx(4.0 * 784 * 256 + 6.0 * 256 * 128 + 6.0 * 128 * 10));
  spec.kind = ModelKind::linear_regression;
  CHECK(make_model<float>(spec, 20, 0)->num_params() == 20);
  // Same seed, same initial parameters; hidden weights have He scale sqrt(2/784).
  spec.kind = ModelKind::mlp;
  const Vector a = mlp->init_params(3), b = mlp->init_params(3);
  CHECK((a.array() == b.array()).all());
  const double sd = std::sqrt(a.head(784 * 256).cast<double>().squaredNorm() / (784 * 256));
  CHECK(sd == doctest::Approx(std::sqrt(2.0 / 784)).epsilon(0.02));
}
