// A decentralized update rule: what one rank sends to its graph neighbours each round and
// how it combines what it receives. The rule is written once, templated on the scalar, so that the
// simulator runs it in float on the simulated network while the tests run the very same code in
// double over a dense mixing matrix (tests/algorithms/training/) to check the convergence claims.
//
// One round on rank i, with W the mixing matrix of the round:
//   g    = gradient at x          (when gradient_at() == BeforeExchange)
//   send = prepare(x, g)          (vectors() stacked vectors of size d)
//   mixed = sum_j w_ij send_j     (the gossip; DuringExchange: g is computed while it is in flight)
//   combine(x, mixed, g)          (updates x and the rule's own state)
//   g = gradient at the new x; after_gradient(g)   (when gradient_at() == AfterExchange)
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "sim/base/options.h"

namespace dtsim {

template <class S>
using GossipVec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

struct GossipRuleParams {
  double lr = 0.1;        // gamma (the caller passes the current step's value to each call)
  double momentum = 0.9;  // beta
  bool overlap = false;   // communicate while the gradient is computed (BlueFog's non-blocking)
};

template <class S>
class GossipRule {
 public:
  enum class GradientAt { BeforeExchange, DuringExchange, AfterExchange };
  virtual ~GossipRule() = default;
  virtual GradientAt gradient_at() const { return GradientAt::BeforeExchange; }
  virtual int vectors() const { return 1; }
  // Rules that need a gradient at x0 before the first round (gradient tracking).
  virtual bool needs_initial_gradient() const { return false; }
  virtual void start(const GossipVec<S>& /*x*/, const GossipVec<S>& /*g0*/) {}
  virtual void prepare(const GossipVec<S>& x, const GossipVec<S>& g, S lr, GossipVec<S>& send) = 0;
  virtual void combine(GossipVec<S>& x, const GossipVec<S>& mixed, const GossipVec<S>& g, S lr) = 0;
  virtual void after_gradient(const GossipVec<S>& /*g*/) {}
};

// Rules by name: each rule file registers a maker for both scalars.
struct GossipRuleMaker {
  std::string summary;
  bool needs_symmetric_w = false;  // exact diffusion and EXTRA converge only with a symmetric W
  std::function<std::unique_ptr<GossipRule<float>>(const GossipRuleParams&)> make_float;
  std::function<std::unique_ptr<GossipRule<double>>(const GossipRuleParams&)> make_double;
  OptionList options = {};         // /algorithm keys of this rule alone (D-SGD's overlap)
};

std::map<std::string, GossipRuleMaker>& gossip_rules();
// Registers the rule and the training algorithm of the same name (decentralized_algorithm.h), which
// owns the rule's options plus those of every decentralized algorithm (graph, global_average_every,
// collective).
bool register_gossip_rule(const std::string& name, GossipRuleMaker maker);

template <template <class> class Rule>
GossipRuleMaker make_rule_maker(std::string summary, bool needs_symmetric_w = false) {
  return {std::move(summary), needs_symmetric_w,
          [](const GossipRuleParams& p) { return std::make_unique<Rule<float>>(p); },
          [](const GossipRuleParams& p) { return std::make_unique<Rule<double>>(p); }};
}

}  // namespace dtsim
