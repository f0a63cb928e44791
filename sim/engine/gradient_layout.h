// The tensors a flat gradient is made of, in order (a model's layers), so that a compressor can treat
// each one by its shape (PowerSGD: weight matrices low-rank, biases as they are).
#pragma once
#include <cstddef>
#include <vector>

namespace dtsim {

// One tensor of the flat gradient: rows x cols entries stored row-major; cols == 1 is a vector.
struct TensorShape {
  std::size_t rows = 0, cols = 1;
  std::size_t size() const { return rows * cols; }
};

// The tensors in the order they lie in the flat gradient. Empty: not known (timing-only runs, whose
// gradient has no values, and models that do not describe their layers).
using GradientLayout = std::vector<TensorShape>;

}  // namespace dtsim
