// DmSGD, decentralized momentum SGD (Yuan et al. 2021, Algorithm 1; Yu, Jin & Yang, ICML 2019): m_i <- beta m_i + g_i; x_i <- sum_j w_ij (x_j - gamma m_j).
// Its full-batch bias is D-SGD's amplified by 1/(1-beta)^2.
#include "algorithms/training/decentralized/gossip_rule.h"

namespace dtsim {
namespace {

template <class S>
class Dmsgd : public GossipRule<S> {
 public:
  explicit Dmsgd(const GossipRuleParams& p) : beta_(static_cast<S>(p.momentum)) {}
  void prepare(const GossipVec<S>& x, const GossipVec<S>& g, S lr, GossipVec<S>& send) override {
    if (m_.size() != g.size()) m_ = GossipVec<S>::Zero(g.size());
    m_ = beta_ * m_ + g;
    send = x - lr * m_;
  }
  void combine(GossipVec<S>& x, const GossipVec<S>& mixed, const GossipVec<S>&, S) override { x = mixed; }

 private:
  S beta_;
  GossipVec<S> m_;
};

const bool registered_dmsgd =
    register_gossip_rule("dmsgd", make_rule_maker<Dmsgd>("decentralized momentum SGD (momentum before gossip)"));

}  // namespace
}  // namespace dtsim
