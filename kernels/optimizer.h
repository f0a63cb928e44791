#pragma once
// Per-rank optimizer state and update (PyTorch SGD semantics, dampening 0):
//   g = grad + weight_decay * x
//   sgd:       x -= lr * g
//   momentum:  v = mu v + g;  x -= lr * v            (heavy ball)
//   nesterov:  v = mu v + g;  x -= lr * (g + mu v)
//   adam:      m = b1 m + (1 - b1) g;  v2 = b2 v2 + (1 - b2) g^2;  at step t = 1, 2, ...
//              x -= lr * (m / (1 - b1^t)) / (sqrt(v2 / (1 - b2^t)) + eps)
//              (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015; PyTorch's Adam,
//              weight decay added to the gradient as above)
// with lr = learning_rate(spec, steps taken so far, global batch).
#include <cmath>
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
    if (spec.kind == OptimizerKind::adam) second_ = Vec<S>::Zero(num_params);
  }

  void step(Eigen::Ref<Vec<S>> params, const Eigen::Ref<const Vec<S>>& grad) { step(params, grad, current_lr()); }

  // The same step with a learning rate given by the caller instead of the spec's schedule (an algorithm
  // that follows the workload's schedule by iteration, such as 1-bit Adam's warm-up).
  void step(Eigen::Ref<Vec<S>> params, const Eigen::Ref<const Vec<S>>& grad, double learning_rate_now) {
    const S lr = static_cast<S>(learning_rate_now);
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
      case OptimizerKind::adam: {
        const S b1 = static_cast<S>(spec_.beta1), b2 = static_cast<S>(spec_.beta2);
        const Vec<S> g = grad + wd * params;
        velocity_ = b1 * velocity_ + (1 - b1) * g;
        second_ = b2 * second_ + (1 - b2) * g.cwiseProduct(g);
        const double t = static_cast<double>(steps_ + 1);
        const S first_correction = static_cast<S>(1 - std::pow(spec_.beta1, t));
        const S second_correction = static_cast<S>(1 - std::pow(spec_.beta2, t));
        params -= (lr / first_correction) *
                  (velocity_.array() / ((second_.array() / second_correction).sqrt() + static_cast<S>(spec_.eps))).matrix();
        break;
      }
    }
    ++steps_;
  }

  double current_lr() const { return learning_rate(spec_, steps_, global_batch_); }
  std::int64_t steps_taken() const { return steps_; }
  void set_steps_taken(std::int64_t steps) { steps_ = steps; }
  const Vec<S>& velocity() const { return velocity_; }  // empty for plain SGD; Adam's first moment m
  const Vec<S>& second_moment() const { return second_; }  // Adam's v (empty otherwise)
  const OptimizerSpec& spec() const { return spec_; }

 private:
  OptimizerSpec spec_;
  Index global_batch_;
  std::int64_t steps_ = 0;
  Vec<S> velocity_;
  Vec<S> second_;
};

using Optimizer = OptimizerT<float>;

}  // namespace dtsim::kernels
