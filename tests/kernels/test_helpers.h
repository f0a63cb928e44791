#pragma once
// Small helpers shared by the kernels tests.
#include <algorithm>

#include "kernels/dataset.h"
#include "kernels/rng.h"

namespace dtsim::kernels::testing {

template <class S>
double rel_diff(const Vec<S>& a, const Vec<S>& b) {
  const double scale = std::max({a.template cast<double>().norm(), b.template cast<double>().norm(), 1e-300});
  return (a - b).template cast<double>().norm() / scale;
}

// A random labelled data set (features Gaussian) for model and partition tests.
inline Dataset random_classification(Index n, Index dim, int classes, std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.num_classes = classes;
  d.features.resize(dim, n);
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < dim; ++i) d.features(i, j) = static_cast<float>(rng.normal());
    d.labels.push_back(static_cast<std::int32_t>(rng.uniform_int(static_cast<std::uint64_t>(classes))));
  }
  return d;
}

}  // namespace dtsim::kernels::testing
