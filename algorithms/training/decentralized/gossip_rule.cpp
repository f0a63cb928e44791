#include "algorithms/training/decentralized/gossip_rule.h"

#include "algorithms/training/decentralized/decentralized_algorithm.h"

namespace dtsim {

std::map<std::string, GossipRuleMaker>& gossip_rules() {
  static std::map<std::string, GossipRuleMaker> rules;
  return rules;
}

bool register_gossip_rule(const std::string& name, GossipRuleMaker maker) {
  gossip_rules()[name] = std::move(maker);
  return TrainingAlgorithmRegistry::add(name, [name] { return std::make_unique<DecentralizedAlgorithm>(name); });
}

}  // namespace dtsim
