#pragma once
// Learning rate as a function of the step (0-based count of updates already applied).
#include <cstdint>

#include "kernels/specs.h"

namespace dtsim::kernels {

// peak = lr * (linear_scaling ? global_batch / base_batch : 1)
// warmup (t < W): peak * (t + 1) / W
// then constant: peak; step: peak * gamma^floor(t / step_size);
//      cosine: min_lr + (peak - min_lr) (1 + cos(pi * min(1, (t - W) / (total_steps - W)))) / 2
double learning_rate(const OptimizerSpec& spec, std::int64_t step, Index global_batch);

}  // namespace dtsim::kernels
