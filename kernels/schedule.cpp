#include "kernels/schedule.h"

#include <algorithm>
#include <cmath>

namespace dtsim::kernels {

double learning_rate(const OptimizerSpec& spec, std::int64_t t, Index global_batch) {
  double peak = spec.lr;
  if (spec.linear_scaling) peak *= double(global_batch) / double(spec.base_batch);
  const std::int64_t W = spec.warmup_steps;
  if (t < W) return peak * double(t + 1) / double(W);
  switch (spec.schedule) {
    case ScheduleKind::constant:
      return peak;
    case ScheduleKind::step:
      return peak * std::pow(spec.gamma, double(t / std::max<std::int64_t>(1, spec.step_size)));
    case ScheduleKind::cosine: {
      const double span = double(std::max<std::int64_t>(1, spec.total_steps - W));
      const double progress = std::min(1.0, double(t - W) / span);
      return spec.min_lr + (peak - spec.min_lr) * 0.5 * (1.0 + std::cos(M_PI * progress));
    }
  }
  return peak;
}

}  // namespace dtsim::kernels
