#pragma once
// The interface every model offers the simulator: size, cost, loss + gradient, evaluation.
// Parameters are one flat vector so that messages, averaging and optimizers never need to
// know the model's structure.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernels/dataset.h"

namespace dtsim::kernels {

struct Evaluation {
  double loss = 0.0;                // mean over the data set
  std::optional<double> accuracy;   // classification only
};

template <class S>
class ModelT {
 public:
  virtual ~ModelT() = default;

  virtual std::string name() const = 0;
  virtual Index num_params() const = 0;
  // Floating-point operations of forward + backward for one sample (drives the compute-time model).
  virtual double flops_per_sample() const = 0;
  virtual Vec<S> init_params(std::uint64_t seed) const = 0;

  // Mean loss over the batch; grad (size num_params(), preallocated) receives its gradient.
  S loss_and_gradient(const Eigen::Ref<const Vec<S>>& params, const Batch<S>& batch, Eigen::Ref<Vec<S>> grad) const {
    S loss;
    S* g = grad.data();
    grouped_loss_and_gradients(params, batch, batch.size(), &g, &loss);
    return loss;
  }

  // The batch is split into consecutive groups of group_size columns (one per rank) that share
  // the same parameters: writes each group's mean loss and gradient (grads[g] points to
  // num_params() values). This is how synchronous ranks are computed in one stacked pass.
  virtual void grouped_loss_and_gradients(const Eigen::Ref<const Vec<S>>& params, const Batch<S>& batch,
                                          Index group_size, S* const* grads, S* losses) const = 0;

  virtual Evaluation evaluate(const Eigen::Ref<const Vec<S>>& params, const Dataset& data) const = 0;
};

using Model = ModelT<float>;

}  // namespace dtsim::kernels
