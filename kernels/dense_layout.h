#pragma once
// Shape of a dense network and where each layer lives in the flat parameter vector:
// per layer W (out x in, column-major) then b (out), layer after layer. Eigen-free so that the
// CUDA backend can include it.
#include <vector>

#include "kernels/dense_math.h"
#include "kernels/index.h"

namespace dtsim::kernels {

struct DenseLayout {
  std::vector<Index> sizes;  // input width, hidden widths..., output width
  bool bias = true;
  Loss loss = Loss::softmax_cross_entropy;

  int layers() const { return static_cast<int>(sizes.size()) - 1; }
  Index weight_offset(int l) const;
  Index bias_offset(int l) const { return weight_offset(l) + sizes[l + 1] * sizes[l]; }
  Index num_params() const { return weight_offset(layers()); }
};

}  // namespace dtsim::kernels
