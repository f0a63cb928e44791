#include "kernels/dense_layout.h"

namespace dtsim::kernels {

Index DenseLayout::weight_offset(int l) const {
  Index offset = 0;
  for (int i = 0; i < l; ++i) offset += sizes[i + 1] * (sizes[i] + (bias ? 1 : 0));
  return offset;
}


}  // namespace dtsim::kernels
