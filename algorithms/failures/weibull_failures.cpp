// "weibull": lifetime ~ Weibull(shape k, scale lambda), F(t) = 1 - exp(-(t / lambda)^k). Shape < 1
// gives the decreasing hazard (infant mortality) that field studies of HPC failures fit (Schroeder &
// Gibson, A large-scale study of failures in high-performance computing systems, DSN 2006, fit
// shapes 0.7-0.8 to times between failures); shape 1 is the exponential law.
#include <cmath>
#include <memory>

#include "sim/plugin/failure_process.h"

namespace dtsim {
namespace {

class WeibullFailures : public FailureProcess {
 public:
  explicit WeibullFailures(const OptionValues& o) : shape_(o.number("shape")), scale_(o.number("scale")) {}
  double lifetime(double u) const override { return scale_ * std::pow(-std::log1p(-u), 1.0 / shape_); }
  double mean() const override { return scale_ * std::tgamma(1.0 + 1.0 / shape_); }

 private:
  double shape_, scale_;
};

Option scale_option() {
  Option o = Option::duration("scale", std::nullopt, "Scale lambda (the 63rd percentile of a lifetime), e.g. \"40000h\".");
  o.min_exclusive = true;
  return o;
}

const bool registered_weibull_failures = FailureProcessRegistry::add(
    {"weibull", "Weibull lifetimes (shape < 1: decreasing hazard)",
     {Option::number("shape", std::nullopt, 0.05, false, 100, "Shape k (1: exponential)."), scale_option()}},
    [](const OptionValues& o) { return std::make_unique<WeibullFailures>(o); });

}  // namespace
}  // namespace dtsim
