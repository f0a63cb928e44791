// Lognormal compute noise of mean 1: factor exp(sigma z - sigma^2 / 2), z standard normal, so that
// noise slows single steps without changing the mean compute time. Right-skewed like measured GPU
// iteration times (a few slow steps, none much faster).
#include <cmath>

#include "sim/plugin/straggler_noise.h"

namespace dtsim {
namespace {

class Lognormal : public StragglerNoise {
 public:
  explicit Lognormal(double sigma) : sigma_(sigma) {}
  double factor(const NoiseDraw& draw) const override {
    return std::exp(sigma_ * draw.normal() - 0.5 * sigma_ * sigma_);
  }

 private:
  double sigma_;
};

const bool registered_lognormal = StragglerNoiseRegistry::add(
    {"lognormal", "lognormal of mean 1: factor exp(sigma z - sigma^2/2)",
     {Option::number("sigma", std::nullopt, 0, true, 10, "lognormal: factor exp(sigma z - sigma^2/2), mean 1")}},
    [](const OptionValues& o) { return std::make_unique<Lognormal>(o.number("sigma")); });

}  // namespace
}  // namespace dtsim
