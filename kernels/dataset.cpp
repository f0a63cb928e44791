#include "kernels/dataset.h"

namespace dtsim::kernels {

std::vector<Index> label_counts(const Dataset& data) {
  std::vector<Index> counts(static_cast<std::size_t>(data.num_classes), 0);
  for (auto l : data.labels) ++counts.at(static_cast<std::size_t>(l));
  return counts;
}

}  // namespace dtsim::kernels
