// Eigen plans a large product's blocks from the host's cache sizes, and the block depth decides
// how each dot product is summed: dtsim pins those sizes so a run's numbers do not depend on the
// host it ran on.
#include <doctest/doctest.h>

#include <cstring>

#include "kernels/eigen_blocking.h"
#include "kernels/model_factory.h"

using namespace dtsim::kernels;

namespace {

// The first layer's product of an MLP on Fashion-MNIST (hidden 128, batch 64), with fixed inputs.
Mat<float> first_layer_product() {
  Mat<float> w(128, 784), x(784, 64);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = float(((i * 7919) % 2003) - 1001) / 1001.0f;
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = float(((i * 104729) % 1999) - 999) / 999.0f;
  Mat<float> a;
  a.noalias() = w * x;
  return a;
}

bool same_bits(const Mat<float>& a, const Mat<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

std::ptrdiff_t planned_l1() {
  std::ptrdiff_t l1 = 0, l2 = 0, l3 = 0;
  Eigen::internal::manage_caching_sizes(Eigen::GetAction, &l1, &l2, &l3);
  return l1;
}

}  // namespace

TEST_CASE("kernels: making a model pins the cache sizes Eigen plans its products with") {
  ModelSpec spec;
  spec.kind = ModelKind::mlp;
  spec.hidden = {128};
  auto model = make_model<float>(spec, 784, 10);
  std::ptrdiff_t l1 = 0, l2 = 0, l3 = 0;
  Eigen::internal::manage_caching_sizes(Eigen::GetAction, &l1, &l2, &l3);
  const auto pinned = pinned_eigen_caches();
  CHECK(l1 == pinned.l1);
  CHECK(l2 == pinned.l2);
  CHECK(l3 == pinned.l3);
}

TEST_CASE("kernels: the L1 size Eigen plans with changes a product's bits, so it must be pinned") {
  pin_eigen_blocking();
  REQUIRE(planned_l1() == pinned_eigen_caches().l1);
  const Mat<float> pinned = first_layer_product();
  // Another host's L1 (32 KiB, as on AMD EPYC): same product, other rounding.
  const auto c = pinned_eigen_caches();
  Eigen::setCpuCacheSizes(32 * 1024, c.l2, c.l3);
  const Mat<float> other_host = first_layer_product();
  CHECK_FALSE(same_bits(pinned, other_host));
  CHECK((pinned - other_host).cwiseAbs().maxCoeff() <= 1e-4f * pinned.cwiseAbs().maxCoeff());  // rounding only
  Eigen::setCpuCacheSizes(c.l1, c.l2, c.l3);
  CHECK(same_bits(first_layer_product(), pinned));
}
