#include "kernels/model_factory.h"

#include <stdexcept>

namespace dtsim::kernels {

DenseLayout dense_layout(const ModelSpec& spec, Index input_dim, int num_classes) {
  DenseLayout layout;
  layout.sizes.push_back(input_dim);
  switch (spec.kind) {
    case ModelKind::linear_regression:
      layout.sizes.push_back(1);
      layout.bias = false;  // f(x) = 1/(2m)||A x - b||^2 exactly, so x* is the whole parameter vector
      layout.loss = Loss::half_squared_error;
      return layout;
    case ModelKind::mlp:
      for (auto h : spec.hidden) {
        if (h < 1) throw std::invalid_argument("mlp hidden widths must be >= 1");
        layout.sizes.push_back(h);
      }
      [[fallthrough]];
    case ModelKind::softmax_regression:
      if (num_classes < 2) throw std::invalid_argument(to_string(spec.kind) + " needs a labelled data set");
      layout.sizes.push_back(num_classes);
      return layout;
  }
  throw std::invalid_argument("unknown model kind");
}

}  // namespace dtsim::kernels
