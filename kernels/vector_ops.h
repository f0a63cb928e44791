#pragma once
// Flat-vector operations the training algorithms need on real tensors (payload arithmetic).
#include <stdexcept>
#include <vector>

#include "kernels/types.h"

namespace dtsim::kernels {

// y += a * x
inline void axpy(float a, const Vector& x, Vector& y) {
  if (x.size() != y.size()) throw std::invalid_argument("axpy: size mismatch");
  y.noalias() += a * x;
}

// Mean of equally sized vectors (exact arithmetic order: left to right, then one scale).
inline Vector average(const std::vector<const Vector*>& xs) {
  if (xs.empty()) throw std::invalid_argument("average of nothing");
  Vector sum = *xs[0];
  for (std::size_t i = 1; i < xs.size(); ++i) sum += *xs[i];
  return sum / static_cast<float>(xs.size());
}

// sum_i w_i x_i (a row of a mixing matrix applied to neighbours' models).
inline Vector weighted_sum(const std::vector<const Vector*>& xs, const std::vector<double>& w) {
  if (xs.empty() || xs.size() != w.size()) throw std::invalid_argument("weighted_sum: size mismatch");
  Vector out = static_cast<float>(w[0]) * *xs[0];
  for (std::size_t i = 1; i < xs.size(); ++i) out.noalias() += static_cast<float>(w[i]) * *xs[i];
  return out;
}

// (1/n) sum_i ||x_i - mean||^2, the consensus distance of decentralized training.
inline double consensus_distance(const std::vector<const Vector*>& xs) {
  const Vector mean = average(xs);
  double sum = 0;
  for (auto* x : xs) sum += (*x - mean).cast<double>().squaredNorm();
  return sum / double(xs.size());
}

}  // namespace dtsim::kernels
