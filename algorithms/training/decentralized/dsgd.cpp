// D-SGD (seed 003). Adapt-then-combine: x_i <- sum_j w_ij (x_j - gamma g_j).
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

const bool registered = register_gossip_rule(
    "dsgd", make_rule_maker<Dsgd>("decentralized SGD, adapt-then-combine (or combine-while-adapting with overlap)"));

}  // namespace
}  // namespace dtsim
