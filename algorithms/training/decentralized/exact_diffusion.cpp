// Exact diffusion (Yuan, Ying, Zhao & Sayed 2019), the D^2 family: with W_bar = (I + W) / 2,
//   psi_i <- x_i - gamma g_i;  phi_i <- psi_i + x_i - psi_i(previous);  x_i <- sum_j w_bar_ij phi_j.
// (psi starts at x0.) Corrects D-SGD's bias: full-batch it converges to x* exactly.
#include "algorithms/training/decentralized/gossip_rule.h"

namespace dtsim {
namespace {

template <class S>
class ExactDiffusion : public GossipRule<S> {
 public:
  explicit ExactDiffusion(const GossipRuleParams&) {}
  void prepare(const GossipVec<S>& x, const GossipVec<S>& g, S lr, GossipVec<S>& send) override {
    if (psi_.size() != x.size()) psi_ = x;
    GossipVec<S> psi = x - lr * g;
    phi_ = psi + x - psi_;
    psi_ = std::move(psi);
    send = phi_;
  }
  void combine(GossipVec<S>& x, const GossipVec<S>& mixed, const GossipVec<S>&, S) override {
    x = (phi_ + mixed) / S(2);  // W_bar phi, from W phi
  }

 private:
  GossipVec<S> psi_, phi_;
};

const bool registered_exact_diffusion = register_gossip_rule(
    "exact_diffusion", make_rule_maker<ExactDiffusion>("exact diffusion / D^2: bias-corrected diffusion", true));

}  // namespace
}  // namespace dtsim
