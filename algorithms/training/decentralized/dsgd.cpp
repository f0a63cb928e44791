// D-SGD (Lian et al., NeurIPS 2017). Adapt-then-combine: x_i <- sum_j w_ij (x_j - gamma g_j).
// With overlap (BlueFog's non-blocking neighbor_allreduce): x_i <- sum_j w_ij x_j - gamma g_i, the
// exchange of x in flight while g is computed. Full-batch limiting bias O(gamma^2 b^2 / (1-rho)^2).
#include "algorithms/training/decentralized/gossip_rule.h"

namespace dtsim {
namespace {

template <class S>
class Dsgd : public GossipRule<S> {
 public:
  explicit Dsgd(const GossipRuleParams& p) : overlap_(p.overlap) {}
  typename GossipRule<S>::GradientAt gradient_at() const override {
    return overlap_ ? GossipRule<S>::GradientAt::DuringExchange : GossipRule<S>::GradientAt::BeforeExchange;
  }
  void prepare(const GossipVec<S>& x, const GossipVec<S>& g, S lr, GossipVec<S>& send) override {
    send = overlap_ ? x : GossipVec<S>(x - lr * g);
  }
  void combine(GossipVec<S>& x, const GossipVec<S>& mixed, const GossipVec<S>& g, S lr) override {
    x = overlap_ ? GossipVec<S>(mixed - lr * g) : mixed;
  }

 private:
  bool overlap_;
};

GossipRuleMaker dsgd_maker() {
  GossipRuleMaker maker =
      make_rule_maker<Dsgd>("decentralized SGD, adapt-then-combine (or combine-while-adapting with overlap)");
  maker.options.push_back(Option::boolean(
      "overlap", false,
      "exchange x while the gradient is computed (BlueFog's non-blocking neighbor allreduce); the other rules need "
      "the gradient before they can send"));
  return maker;
}

const bool registered_dsgd = register_gossip_rule("dsgd", dsgd_maker());

}  // namespace
}  // namespace dtsim
