// Whether this machine can run the numerics backend a scenario names. Checked by the commands that run
// a scenario (not by reading, so that `dtsim validate` accepts a GPU scenario on a laptop).
#pragma once
#include <string>

#include "sim/scenario/scenario.h"

namespace dtsim {

// "" when it can; else one problem line naming /workload/backend, the value and what to use instead.
std::string backend_unavailable(const Scenario& scenario);

}  // namespace dtsim
