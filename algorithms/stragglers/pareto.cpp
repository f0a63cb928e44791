// Pareto compute noise: factor Pareto(minimum 1, tail index shape), by inversion (1 - u)^(-1/shape).
// A heavy tail (variance infinite for shape <= 2): rare steps many times slower than nominal.
#include <cmath>

#include "sim/plugin/straggler_noise.h"

namespace dtsim {
namespace {

class Pareto : public StragglerNoise {
 public:
  explicit Pareto(double shape) : shape_(shape) {}
  double factor(const NoiseDraw& draw) const override { return std::pow(1.0 - draw.uniform(), -1.0 / shape_); }

 private:
  double shape_;
};

// shape > 1: the mean shape / (shape - 1) is finite.
const bool registered_pareto = StragglerNoiseRegistry::add(
    {"pareto", "Pareto of minimum 1: factor (1 - u)^(-1/shape)",
     {Option::number("shape", std::nullopt, 1, true, 1e6, "pareto: factor Pareto(minimum 1, tail index shape)")}},
    [](const OptionValues& o) { return std::make_unique<Pareto>(o.number("shape")); });

}  // namespace
}  // namespace dtsim
