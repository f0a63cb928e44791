#include "sim/engine/load_scenario.h"

#include "sim/base/json_reader.h"
#include "sim/engine/fidelity_choice.h"
#include "sim/engine/job_supervisor.h"
#include "sim/engine/network_tiers.h"
#include "sim/plugin/physical_topology.h"
#include "sim/plugin/training_algorithm.h"

namespace dtsim {

ScenarioResult parse_scenario(const nlohmann::json& document) {
  ScenarioResult result = read_scenario(document);
  if (!result.ok()) return result;
  // Cross-field checks owned by the named algorithm and topology.
  const Scenario& s = result.scenario;
  ErrorList errors;
  auto algorithm = TrainingAlgorithmRegistry::create(s.algorithm.name, s.algorithm.options);
  algorithm->validate(s, errors);
  auto topology = PhysicalTopologyRegistry::create(s.network.topology, s.network.topology_options);
  topology->validate(s, algorithm->dedicated_servers(s), errors);
  validate_network_tiers(s, errors);
  validate_failures(s, *algorithm, errors);
  resolve_fidelity(result.scenario, *algorithm, errors);
  result.errors = errors.lines;
  return result;
}

ScenarioResult load_scenario(const std::string& file, const std::vector<std::string>& overrides) {
  ScenarioResult result;
  std::optional<json> document = read_json_file(file, "scenario", result.errors);
  if (!document) return result;
  if (!document->is_object()) {  // before --set, whose pointers would otherwise be blamed
    result.errors.push_back(file + ": the scenario must be a JSON object ({...}), not " +
                            std::string(document->is_null() ? "null" : document->type_name()));
    return result;
  }
  apply_overrides(*document, overrides, result.errors);
  if (!result.errors.empty()) return result;
  return parse_scenario(*document);
}

}  // namespace dtsim
