// Gradient compression (algorithm.compression, issue 7): a compressor turns one rank's dense gradient
// into a block that is smaller on the wire, and says how the blocks of all ranks are summed.
//
// Wire sizes, for d simulated parameters (workload.message_bytes() / workload.bytes_per_param) of
// b bytes each (workload.bytes_per_param, 4 by default), k = ceil(ratio x d) (at least 1):
//   topk     k x (b-byte value + 4-byte index)                         exchanged by ring allgather
//   randomk  k x b (the mask is shared by all ranks: indices implied)  summed by algorithm.collective
//   qsgd     4-byte norm + ceil(d x (1 + ceil(log2(s + 1))) / 8)      exchanged by ring allgather
//            (a sign bit and a level in 0..s per entry)
//   sign     4-byte scale + ceil(d / 8) (one bit per entry)            exchanged by ring allgather
// In timing-only runs only these sizes matter (the gradient has no values). With numerics the
// compressor also produces the block's real content (`payload`, a fixed-length float vector for a
// given d, identical in length on every rank) and its decoding (`decoded`, dense).
//
// Numerics of each scheme (g the dense input, d its real length):
//   topk     keeps the k entries of largest |g| (ties: lower index first), others 0.
//   randomk  keeps the k entries of a mask drawn per gradient step from the scenario seed, the same on
//            every rank (so the k kept values of all ranks can be summed with an ordinary allreduce).
//            With error feedback the kept values are sent as they are; without it they are scaled by
//            d/k so that the compressor is unbiased (E[C(g)] = g).
//   qsgd     ||g||_2 sign(g_i) xi_i / s with xi_i = floor(s |g_i| / ||g||_2) rounded up with probability
//            equal to the fractional part (stochastic rounding): unbiased, variance
//            E||C(g) - g||^2 <= min(d / s^2, sqrt(d) / s) ||g||^2 (Alistarh et al. 2017, Lemma 3.1).
//   sign     (||g||_1 / d) sign(g_i), sign(0) = +1 (scaled sign; with error feedback this is EF-signSGD,
//            Karimireddy et al. 2019).
// Random draws use keyed_uniform (sim/straggler_model.h) keyed by the scenario seed, a stream of this
// file, the rank (qsgd only) and the gradient step: runs are reproducible bit for bit.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/scenario.h"

namespace dtsim {

// What a compressor's randomness is keyed by.
struct CompressionKey {
  std::uint64_t seed = 0;  // the scenario seed
  int rank = 0;            // the compressing rank (not used by randomk's shared mask)
  std::int64_t step = 0;   // the gradient step (RankContext::sample_step())
};

// One rank's compressed gradient.
struct Compressed {
  double wire_bytes = 0;        // simulated size of the block on the wire
  std::vector<float> payload;   // numerics only: the block's content (empty in timing-only mode)
  std::vector<float> decoded;   // numerics only: decode(payload), dense (what this rank contributes)
};

class Compressor {
 public:
  // Allgather: every rank's block goes to every rank, which decodes and adds the p blocks (sparse and
  // quantized blocks cannot be summed in their compressed format). Allreduce: the blocks of all ranks
  // share one support, so they are summed element-wise by algorithm.collective, then decoded once.
  enum class Exchange { Allgather, Allreduce };

  Compressor(const CompressionSpec& spec, double bytes_per_param) : spec_(spec), bytes_per_param_(bytes_per_param) {}
  virtual ~Compressor() = default;

  virtual Exchange exchange() const = 0;
  // Wire bytes of one block for a gradient of `params` simulated parameters.
  virtual double wire_bytes(double params) const = 0;
  // out += decode(payload); out.size() is the real gradient length d. `key` is the compressing rank's
  // (randomk: any rank's of the same step, its mask being shared).
  virtual void decode_add(const std::vector<float>& payload, const CompressionKey& key, std::vector<float>& out) const = 0;

  // Compresses `g` (empty in timing-only mode) whose simulated size is `dense_bytes`.
  Compressed compress(const std::vector<float>& g, double dense_bytes, const CompressionKey& key) const;

  const CompressionSpec& spec() const { return spec_; }
  double bytes_per_param() const { return bytes_per_param_; }
  // k = ceil(ratio x d), at least 1 and at most d (topk, randomk).
  static std::size_t kept(double ratio, double d);

 protected:
  // The payload of `g` (non-empty).
  virtual std::vector<float> encode(const std::vector<float>& g, const CompressionKey& key) const = 0;

  CompressionSpec spec_;
  double bytes_per_param_;
};

// Top-k and random-k send a subset of the entries (the others are 0 in the decoding); QSGD and sign
// send every entry.
bool is_sparsifier(const CompressionSpec& spec);

// The compressor of `spec.kind` (topk, randomk, qsgd, sign); throws on "none" or an unknown kind.
std::unique_ptr<Compressor> make_compressor(const CompressionSpec& spec, double bytes_per_param);

// One error-feedback step on one rank's residual e (Seide et al. 2014, Karimireddy et al. 2019):
// c = C(g + e); e <- g + e - decode(c). With numerics off (g empty) it only sizes the block; e is
// sized on first use.
Compressed compress_with_error_feedback(const Compressor& compressor, const std::vector<float>& g,
                                        double dense_bytes, const CompressionKey& key, std::vector<float>& residual);

// Float-exact encoding of an index in a float payload (indices up to 2^24; throws beyond).
float index_to_float(std::size_t index);
std::size_t float_to_index(float value);

}  // namespace dtsim
