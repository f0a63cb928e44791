#pragma once
// In-memory data sets and mini-batches. Features are stored once in float, one sample per
// column; a batch gathers its columns into a contiguous matrix so models run one GEMM on it.
#include <cstdint>
#include <vector>

#include "kernels/types.h"

namespace dtsim::kernels {

struct Dataset {
  Matrix features;                   // dim x size
  std::vector<std::int32_t> labels;  // classification labels in [0, num_classes); empty otherwise
  Vector targets;                    // regression targets; empty otherwise
  int num_classes = 0;               // 0 for regression

  Index size() const { return features.cols(); }
  Index dim() const { return features.rows(); }
  bool is_classification() const { return num_classes > 0; }
};

template <class S>
struct Batch {
  Mat<S> x;                          // dim x batch
  std::vector<std::int32_t> labels;  // classification
  Vec<S> y;                          // regression
  Index size() const { return x.cols(); }
};

// Columns `indices` of `data`, converted to S.
template <class S>
Batch<S> gather(const Dataset& data, const std::vector<Index>& indices) {
  Batch<S> b;
  b.x.resize(data.dim(), static_cast<Index>(indices.size()));
  if (data.is_classification()) b.labels.resize(indices.size());
  else b.y.resize(static_cast<Index>(indices.size()));
  for (std::size_t j = 0; j < indices.size(); ++j) {
    const Index i = indices[j];
    b.x.col(static_cast<Index>(j)) = data.features.col(i).template cast<S>();
    if (data.is_classification()) b.labels[j] = data.labels[i];
    else b.y(static_cast<Index>(j)) = static_cast<S>(data.targets(i));
  }
  return b;
}

// The whole data set as one batch (full-batch gradient descent, tests).
template <class S>
Batch<S> whole(const Dataset& data) {
  Batch<S> b;
  b.x = data.features.template cast<S>();
  b.labels = data.labels;
  if (!data.is_classification()) b.y = data.targets.template cast<S>();
  return b;
}

// Number of samples per label (size num_classes).
std::vector<Index> label_counts(const Dataset& data);

}  // namespace dtsim::kernels
