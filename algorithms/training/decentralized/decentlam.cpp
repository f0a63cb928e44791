// DecentLaM (Yuan et al., ICCV 2021, Algorithm 2): the momentum acts on the "gradient" of the
// whole D-SGD step, g~_i = (x_i - sum_j w_ij (x_j - gamma g_j)) / gamma; m_i <- beta m_i + g~_i;
// x_i <- x_i - gamma m_i. The momentum-induced part of DmSGD's bias vanishes.
#include "algorithms/training/decentralized/gossip_rule.h"

namespace dtsim {
namespace {

template <class S>
class DecentLam : public GossipRule<S> {
 public:
  explicit DecentLam(const GossipRuleParams& p) : beta_(static_cast<S>(p.momentum)) {}
  void prepare(const GossipVec<S>& x, const GossipVec<S>& g, S lr, GossipVec<S>& send) override {
    send = x - lr * g;
  }
  void combine(GossipVec<S>& x, const GossipVec<S>& mixed, const GossipVec<S>&, S lr) override {
    if (m_.size() != x.size()) m_ = GossipVec<S>::Zero(x.size());
    m_ = beta_ * m_ + (x - mixed) / lr;
    x -= lr * m_;
  }

 private:
  S beta_;
  GossipVec<S> m_;
};

const bool registered_decentlam =
    register_gossip_rule("decentlam", make_rule_maker<DecentLam>("decentralized large-batch momentum SGD"));

}  // namespace
}  // namespace dtsim
