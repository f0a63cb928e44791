#pragma once
// One entry point from a DatasetSpec to the train/test sets a ReplicaSet trains on.
#include <optional>

#include "kernels/dataset.h"
#include "kernels/specs.h"

namespace dtsim::kernels {

struct DataBundle {
  Dataset train;
  Dataset test;  // for synthetic least squares: the training set itself (the global objective)
  // Known optimum of the (float) training objective, where there is one (least squares).
  std::optional<Vec<double>> optimum;
};

DataBundle load_dataset(const DatasetSpec& spec);

}  // namespace dtsim::kernels
