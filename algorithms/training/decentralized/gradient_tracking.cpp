// Gradient tracking, DIGing (Nedic, Olshevsky & Shi 2017):
//   x <- W x - gamma y;  y <- W y + grad(x_new) - grad(x_old),  y0 = grad(x0).
// x and y travel in one message of 2d values. Full-batch it converges to x* exactly.
#include "algorithms/training/decentralized/gossip_rule.h"

namespace dtsim {
namespace {

template <class S>
class GradientTracking : public GossipRule<S> {
 public:
  explicit GradientTracking(const GossipRuleParams&) {}
  typename GossipRule<S>::GradientAt gradient_at() const override {
    return GossipRule<S>::GradientAt::AfterExchange;
  }
  int vectors() const override { return 2; }
  bool needs_initial_gradient() const override { return true; }
  void start(const GossipVec<S>&, const GossipVec<S>& g0) override { y_ = g_prev_ = g0; }
  void prepare(const GossipVec<S>& x, const GossipVec<S>&, S, GossipVec<S>& send) override {
    send.resize(2 * x.size());
    send << x, y_;
  }
  void combine(GossipVec<S>& x, const GossipVec<S>& mixed, const GossipVec<S>&, S lr) override {
    const auto d = x.size();
    x = mixed.head(d) - lr * y_;
    mixed_y_ = mixed.tail(d);
  }
  void after_gradient(const GossipVec<S>& g) override {
    y_ = mixed_y_ + g - g_prev_;
    g_prev_ = g;
  }

 private:
  GossipVec<S> y_, g_prev_, mixed_y_;
};

const bool registered_gradient_tracking = register_gossip_rule(
    "gradient_tracking", make_rule_maker<GradientTracking>("gradient tracking (DIGing): tracks the average gradient"));

}  // namespace
}  // namespace dtsim
