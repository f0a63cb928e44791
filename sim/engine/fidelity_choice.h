// network.fidelity "analytic" and "auto", resolved once the scenario is read: "analytic" where it does
// not apply is an error naming the reason; "auto" becomes "analytic" where it applies and "step" (the
// exact reference) where it does not. The fidelity as given stays in scenario.resolved.
#pragma once
#include <string>

#include "sim/base/json_reader.h"
#include "sim/plugin/training_algorithm.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

void resolve_fidelity(Scenario& s, const TrainingAlgorithm& algorithm, ErrorList& errors);

// Why "auto" chose the mode it did for `s` (its algorithm's analytic blocker, in words).
std::string auto_fidelity_reason(const Scenario& s, const TrainingAlgorithm& algorithm);

// summary.json's "fidelity": {"requested", "ran", "reason" (auto only), "shards_per_server" (where
// symmetric parameter-server shards ran as one server: ps_shard_merge.h)}.
nlohmann::json fidelity_summary(const Scenario& s);

}  // namespace dtsim
