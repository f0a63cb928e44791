// "exponential": memoryless failures, lifetime ~ Exp(1 / mtbf). The usual model of hardware failures
// in checkpointing analyses (Young, A first order approximation to the optimum checkpoint interval,
// CACM 1974; Daly, A higher order estimate of the optimum checkpoint interval for restart dumps,
// FGCS 2006): with n components, the job sees failures at rate n / mtbf.
#include <cmath>
#include <memory>

#include "sim/plugin/failure_process.h"

namespace dtsim {
namespace {

class ExponentialFailures : public FailureProcess {
 public:
  explicit ExponentialFailures(const OptionValues& o) : mtbf_(o.number("mtbf")) {}
  double lifetime(double u) const override { return -mtbf_ * std::log1p(-u); }
  double mean() const override { return mtbf_; }

 private:
  double mtbf_;
};

Option positive_duration(const char* key, const char* help) {
  Option o = Option::duration(key, std::nullopt, help);
  o.min_exclusive = true;  // a zero MTBF would fail every component continuously
  return o;
}

const bool registered_exponential_failures = FailureProcessRegistry::add(
    {"exponential", "memoryless failures: exponential lifetimes of mean mtbf",
     {positive_duration("mtbf", "Mean time between failures of one component, e.g. \"50000h\".")}},
    [](const OptionValues& o) { return std::make_unique<ExponentialFailures>(o); });

}  // namespace
}  // namespace dtsim
