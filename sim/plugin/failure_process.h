// A failure process: how long a component (a GPU, a machine, a machine's network link) lives between
// failures. Each component is a renewal process: after a failure and its repair it starts a fresh
// lifetime drawn from the same law. The engine draws lifetimes from keyed uniforms (one per component
// and failure number), so the failures of a scenario and seed are the same on every run.
// Each law registers itself from its own file with the keys it owns:
//   const bool registered = FailureProcessRegistry::add(
//       {"exponential", "memoryless failures of a given MTBF", {Option::duration("mtbf", ...)}},
//       [](const OptionValues& o) { return std::make_unique<Exponential>(o); });
#pragma once
#include "sim/base/options.h"
#include "sim/base/registry.h"

namespace dtsim {

class FailureProcess {
 public:
  static constexpr const char* family = "failure_process";  // failures.gpu.process, failures.machine.process, ...
  virtual ~FailureProcess() = default;
  // A lifetime (seconds) from a uniform draw u in [0, 1): the law's inverse CDF at u.
  virtual double lifetime(double u) const = 0;
  // The mean lifetime (MTBF, seconds), for the summary and the first-order waste model.
  virtual double mean() const = 0;
};

using FailureProcessRegistry = Registry<FailureProcess>;

}  // namespace dtsim
