#include "sim/engine/fidelity_choice.h"

namespace dtsim {

std::string auto_fidelity_reason(const Scenario& s, const TrainingAlgorithm& algorithm) {
  const std::string why = algorithm.analytic_blocker(s);
  if (why.empty())
    return "every collective's closed form is exact here (contention-free switch, exact model, no rank perturbed)";
  return "analytic does not apply (" + why + "); step is the exact reference";
}

void resolve_fidelity(Scenario& s, const TrainingAlgorithm& algorithm, ErrorList& errors) {
  std::string& fidelity = s.network.fidelity;
  if (fidelity != "analytic" && fidelity != "auto") return;
  const std::string why = algorithm.analytic_blocker(s);
  if (fidelity == "analytic") {
    if (!why.empty())
      errors.add("/network/fidelity", "\"analytic\" does not apply to algorithm \"" + s.algorithm.name + "\" here: " +
                                          why + "; use \"fast\", \"step\" or \"auto\"");
    return;
  }
  fidelity = why.empty() ? "analytic" : "step";
}

nlohmann::json fidelity_summary(const Scenario& s) {
  std::string requested = s.network.fidelity;
  const nlohmann::json& given = s.resolved;
  if (given.is_object() && given.contains("network") && given["network"].contains("fidelity") &&
      given["network"]["fidelity"].is_string())
    requested = given["network"]["fidelity"].get<std::string>();
  nlohmann::json out = {{"requested", requested}, {"ran", s.network.fidelity}};
  const auto algorithm = TrainingAlgorithmRegistry::create(s.algorithm.name, s.algorithm.options);
  if (requested == "auto") out["reason"] = auto_fidelity_reason(s, *algorithm);
  if (const int k = algorithm->shards_per_server(s); k > 1)
    out["shards_per_server"] = {
        {"shards", k},
        {"why", "the " + std::to_string(k) + " parameter-server shards are symmetric: simulated as one server with " +
                    std::to_string(k) + " times one shard's link bandwidth (same flow rates and ends)"}};
  return out;
}

}  // namespace dtsim
