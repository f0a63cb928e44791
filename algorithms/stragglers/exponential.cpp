// Shifted exponential compute noise: factor 1 + Exp(mean), an extra delay of mean `mean` (in units of
// the nominal compute time) on every step; never faster than nominal.
#include <cmath>

#include "sim/plugin/straggler_noise.h"

namespace dtsim {
namespace {

class Exponential : public StragglerNoise {
 public:
  explicit Exponential(double mean) : mean_(mean) {}
  double factor(const NoiseDraw& draw) const override { return 1.0 - mean_ * std::log(1.0 - draw.uniform()); }

 private:
  double mean_;
};

const bool registered_exponential = StragglerNoiseRegistry::add(
    {"exponential", "shifted exponential: factor 1 + Exp(mean)",
     {Option::number("mean", std::nullopt, 0, true, 1e6, "exponential: factor 1 + Exp(mean)")}},
    [](const OptionValues& o) { return std::make_unique<Exponential>(o.number("mean")); });

}  // namespace
}  // namespace dtsim
