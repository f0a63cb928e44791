#include "algorithms/training/decentralized/gossip_rule.h"

#include "algorithms/training/decentralized/decentralized_algorithm.h"

namespace dtsim {

std::map<std::string, GossipRuleMaker>& gossip_rules() {
  static std::map<std::string, GossipRuleMaker> rules;
  return rules;
}

bool register_gossip_rule(const std::string& name, GossipRuleMaker maker) {
  OptionList options = DecentralizedAlgorithm::shared_options();
  options.insert(options.end(), maker.options.begin(), maker.options.end());
  const std::string summary = maker.summary;
  gossip_rules()[name] = std::move(maker);
  return TrainingAlgorithmRegistry::add({name, summary, options}, [name](const OptionValues& o) {
    return std::make_unique<DecentralizedAlgorithm>(name, o);
  });
}

}  // namespace dtsim
