#pragma once
// ModelSpec + data shape -> a model.
#include <memory>

#include "kernels/dense_network.h"
#include "kernels/specs.h"

namespace dtsim::kernels {

DenseLayout dense_layout(const ModelSpec& spec, Index input_dim, int num_classes);

template <class S>
std::unique_ptr<DenseNetwork<S>> make_model(const ModelSpec& spec, Index input_dim, int num_classes) {
  return std::make_unique<DenseNetwork<S>>(to_string(spec.kind), dense_layout(spec, input_dim, num_classes));
}

}  // namespace dtsim::kernels
