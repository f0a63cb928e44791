#pragma once
// Per-rank optimizer state and update (PyTorch SGD semantics, dampening 0):
//   g = grad + weight_decay * x
//   sgd:       x -= lr * g
//   momentum:  v = mu v + g;  x -= lr * v            (heavy ball)
//   nesterov:  v = mu v + g;  x -= lr * (g + mu v)
// with lr = learning_rate(spec, steps taken so far, global batch).
#include <cstdint>

#include "kernels/schedule.h"
#include "kernels/types.h"

namespace dtsim::kernels {

template <class S>
class OptimizerT {
 public:
  OptimizerT(const OptimizerSpec& spec, Index num_params, Index global_batch)
      : spec_(spec), global_batch_(global_batch) {
    if (spec.kind != OptimizerKind::sgd) velocity_ = Vec<S>::Zero(num_params);
  }

  void step(Eigen::Ref<Vec<S>> params, const Eigen::Ref<const Vec<S>>& grad) {
    const S lr = static_cast<S>(current_lr());
    const S wd = static_cast<S>(spec_.weight_decay), mu = static_cast<S>(spec_.momentum);
    switch (spec_.kind) {
      case OptimizerKind::sgd:
        params -= lr * (grad + wd * params);
        break;
      case OptimizerKind::momentum:
        velocity_ = mu * velocity_ + grad + wd * params;
        params -= lr * velocity_;
        break;
      case OptimizerKind::nesterov: {
        const Vec<S> g = grad + wd * params;
        velocity_ = mu * velocity_ + g;
        params -= lr * (g + mu * velocity_);
        break;
      }
    }
    ++steps_;
  }

  double current_lr() const { return learning_rate(spec_, steps_, global_batch_); }
  std::int64_t steps_taken() const { return steps_; }
  void set_steps_taken(std::int64_t steps) { steps_ = steps; }
  const Vec<S>& velocity() const { return velocity_; }  // empty for plain SGD
  const OptimizerSpec& spec() const { return spec_; }

 private:
  OptimizerSpec spec_;
  Index global_batch_;
  std::int64_t steps_ = 0;
  Vec<S> velocity_;
};

using Optimizer = OptimizerT<float>;

}  // namespace dtsim::kernels
