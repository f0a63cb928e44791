// The gradient exchange of allreduce PSGD with compression (algorithm.compression): each rank
// compresses its gradient (plus its error-feedback residual), the blocks are exchanged, and every rank
// ends with the same sum of the p decoded contributions.
//   topk, qsgd, sign: ring allgather of the p blocks (one block of c bytes per rank; cost
//     (p-1)(alpha + c beta)), then each rank decodes and adds them in rank order (bit-identical sums).
//   qsgd, sign, minmax with `collective` "compressed_allreduce": compressed ring allreduce
//     (compressed_allreduce.h), hierarchical when algorithm.collective is "hierarchical"; error feedback
//     then keeps one residual per rank and chunk (worker and hop/"server" side alike).
//   randomk: algorithm.collective allreduce of the k kept values (the mask is shared), decoded once.
//   multi-round schemes (Compressor::rounds() > 1): one algorithm.collective allreduce per round, the
//     earlier ones run inside compress(), then the sums of all rounds are decoded once.
// With momentum_correction (Deep Gradient Compression, Lin et al. 2018) each rank keeps its own
// heavy-ball velocity u_i = mu u_i + g_i + wd x_i and compresses u_i (plus the residual, which is
// DGC's accumulation v_i), masks u_i where entries were sent (momentum factor masking; sparsifiers
// only, as QSGD and sign send every entry: for them this is EF-SGD with momentum, Zheng et al. 2019), and every rank
// applies x <- x - lr sum / p without a second momentum: a sparse entry sent after many steps is then
// not amplified once more by the optimizer's momentum.
// Error feedback keeps one residual per rank here; the engine creates one algorithm object per run
// shared by every rank actor (cooperative SimGrid actors), so the state is indexed by rank.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "algorithms/collectives/collective.h"
#include "algorithms/compression/compressor.h"
#include "sim/engine/workload.h"

namespace dtsim {

class CompressedExchange {
 public:
  // `compressor`: the registered scheme with its options (/algorithm/compression); `collective`: the
  // name of algorithm.collective ("hierarchical" makes the compressed allreduce hierarchical);
  // `layout`: the tensors of the gradient (Workload::gradient_layout()).
  CompressedExchange(const Scenario& s, const std::string& compressor, const OptionValues& options,
                     std::string collective = "ring", GradientLayout layout = {});
  // Returns the summed gradient: bytes = gradient.bytes, values (numerics only) = sum over the group of
  // decode(block of rank j).
  // `sent`, when given, receives this rank's own decoded contribution (numerics only).
  Message exchange(RankContext& ctx, const Collective& collective, const std::vector<int>& group,
                   const Message& gradient, std::vector<float>* sent = nullptr);
  // One training step: exchange, then the optimizer's update (workload's optimizer, or the plain step
  // of momentum correction).
  void step(RankContext& ctx, const Collective& collective, const std::vector<int>& group, Workload& work,
            const Message& gradient);
  const Compressor& compressor() const { return *compressor_; }

 private:
  std::unique_ptr<Compressor> compressor_;
  std::string collective_;                    // algorithm.collective's name
  std::vector<std::vector<float>> residual_;  // per rank (error feedback)
  std::vector<std::vector<float>> velocity_;  // per rank (momentum correction)
};

}  // namespace dtsim
