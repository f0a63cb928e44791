// EXTRA (Shi, Ling, Wu & Yin 2015), with W_tilde = (I + W) / 2:
//   x1 = W x0 - gamma g0;  x_{k+1} = x_k + W x_k - W_tilde x_{k-1} - gamma (g_k - g_{k-1}).
// One exchange of x per round (W x_{k-1} is kept from the previous round). Exact for full batches.
#include "algorithms/training/decentralized/gossip_rule.h"

namespace dtsim {
namespace {

template <class S>
class Extra : public GossipRule<S> {
 public:
  explicit Extra(const GossipRuleParams&) {}
  void prepare(const GossipVec<S>& x, const GossipVec<S>&, S, GossipVec<S>& send) override { send = x; }
  void combine(GossipVec<S>& x, const GossipVec<S>& mixed, const GossipVec<S>& g, S lr) override {
    GossipVec<S> next;
    if (first_)
      next = mixed - lr * g;
    else
      next = x + mixed - (x_prev_ + wx_prev_) / S(2) - lr * (g - g_prev_);
    first_ = false;
    x_prev_ = x;
    wx_prev_ = mixed;
    g_prev_ = g;
    x = std::move(next);
  }

 private:
  bool first_ = true;
  GossipVec<S> x_prev_, wx_prev_, g_prev_;
};

const bool registered_extra = register_gossip_rule("extra", make_rule_maker<Extra>("EXTRA: exact first-order algorithm", true));

}  // namespace
}  // namespace dtsim
