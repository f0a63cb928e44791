// Gradient compression (algorithm.compression): a compressor turns one rank's dense gradient
// into a block that is smaller on the wire, and says how the blocks of all ranks are summed.
//
// Wire sizes, for d simulated parameters (workload.message_bytes() / workload.bytes_per_param) of
// b bytes each (workload.bytes_per_param, 4 by default), k = ceil(ratio x d) (at least 1):
//   topk     k x (b-byte value + 4-byte index)                         exchanged by ring allgather
//   randomk  k x b (the mask is shared by all ranks: indices implied)  summed by algorithm.collective
//   qsgd     4-byte norm + ceil(d x (1 + ceil(log2(s + 1))) / 8)      exchanged by ring allgather
//            (a sign bit and a level in 0..s per entry)
//   sign     4-byte scale + ceil(d / 8) (one bit per entry)            exchanged by ring allgather
//   minmax   8 bytes (min, max) + ceil(d x bits / 8)                   exchanged by ring allgather
// The quantizers (qsgd, sign, minmax) can instead be summed by a compressed allreduce
// (`collective` "compressed_allreduce", compressed_allreduce.h): every slice of the gradient is a block
// of its own with its own scales, decoded, summed and re-encoded at every hop of a ring.
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
//   minmax   min + q_i (max - min) / (2^bits - 1), q_i = g_i's nearest level (deterministic rounding;
//            8 bits is ByteGrad in Bagua, Gan et al. VLDB 2022).
// Each scheme registers itself from its own file (Registry<Compressor>, family "compressor") with the
// options it owns under /algorithm/compression; compression_options() gives the ones every scheme has.
// Random draws use keyed_uniform (sim/engine/straggler_model.h) keyed by the scenario seed, a stream of this
// file, the rank (qsgd only) and the gradient step: runs are reproducible bit for bit.
//
// Multi-round schemes (rounds() > 1, Exchange::Allreduce only): the exchange is a sequence of
// allreduces in which round t's block is computed from the gradient and the sums over the group of
// the blocks of rounds 0..t-1 (e.g. a power-iteration step whose second product needs the summed and
// orthonormalised first one). compress() then runs rounds 0..R-2 itself through the given Reduce (an
// allreduce over the group) and returns the last round's block; decode_add takes the concatenation of
// the earlier rounds' sums and a last-round block (this rank's for the local decoding, the sum for the
// exchanged one). Schemes that carry state from one step to the next (a warm start) update it in
// exchanged(), called on every rank once per step with the summed payload.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "sim/base/options.h"
#include "sim/base/registry.h"
#include "sim/engine/gradient_layout.h"

namespace dtsim {

// A compressor's resolved options (/algorithm/compression), with the defaults of the scheme.
struct CompressionSpec {
  std::string kind = "none";   // the scheme's registered name
  double ratio = 0.01;         // topk / randomk: fraction of the entries kept
  int levels = 16;             // qsgd: quantization levels s
  std::int64_t bucket = 0;     // qsgd: entries per norm (0: one norm for the whole gradient)
  bool error_feedback = true;  // keep what compression dropped and add it to the next gradient
  bool momentum_correction = false;  // momentum per rank before compression (DGC; masked for sparsifiers)
  double compute_time = 0;           // s per iteration per rank to compress and decode (GPU time)
  int rank = 1;                      // low-rank schemes: the rank r of the factors
  int bits = 8;                      // minmax: bits per entry
  // Quantizers: "allgather" (every rank gathers all p blocks) or "compressed_allreduce".
  std::string collective = "allgather";
  static CompressionSpec from(const std::string& kind, const OptionValues& options);
};

// Options every scheme owns: error_feedback (default `error_feedback` here: biased schemes need it to
// converge, unbiased ones work without), momentum_correction and compute_time; then `own`.
OptionList compression_options(bool error_feedback, OptionList own);
// The `collective` option of the quantizers (schemes whose blocks of any slice can be re-encoded).
Option compressed_collective_option(const std::string& fallback);

// What a compressor's randomness is keyed by.
struct CompressionKey {
  std::uint64_t seed = 0;  // the scenario seed
  int rank = 0;            // the compressing rank (not used by randomk's shared mask)
  std::int64_t step = 0;   // the gradient step (RankContext::sample_step())
};

// One rank's compressed gradient.
struct Compressed {
  double wire_bytes = 0;        // simulated size of the block on the wire (multi-round: the last round's)
  std::vector<float> payload;   // numerics only: the block's content (empty in timing-only mode)
  std::vector<float> decoded;   // numerics only: decode(payload), dense (what this rank contributes)
  std::vector<float> earlier;   // multi-round, numerics only: the summed blocks of rounds 0..R-2, concatenated
};

class Compressor {
 public:
  // Allgather: every rank's block goes to every rank, which decodes and adds the p blocks (sparse and
  // quantized blocks cannot be summed in their compressed format). Allreduce: the blocks of all ranks
  // share one support, so they are summed element-wise by algorithm.collective, then decoded once.
  enum class Exchange { Allgather, Allreduce };

  static constexpr const char* family = "compressor";  // /algorithm/compression/kind

  explicit Compressor(CompressionSpec spec) : spec_(std::move(spec)) {}
  virtual ~Compressor() = default;

  // The simulated size of one gradient entry (workload.bytes_per_param), set once before use.
  void set_bytes_per_param(double bytes) { bytes_per_param_ = bytes; }
  // The tensors of the real gradient (numerics; empty: not known), set once before use. Schemes that
  // compress tensor by tensor (PowerSGD) use it; the others see one flat vector.
  void set_layout(GradientLayout layout) { layout_ = std::move(layout); }
  // Whether it sends a subset of the entries (the others decode to 0): momentum factor masking then
  // applies (DGC).
  virtual bool sparsifier() const { return false; }
  // Whether the blocks of any slice of the gradient can be decoded, summed and re-encoded hop by hop
  // (the quantizers): spec().collective may then be "compressed_allreduce".
  virtual bool chunk_reducible() const { return false; }

  virtual Exchange exchange() const = 0;
  // Wire bytes of one block for a gradient of `params` simulated parameters (multi-round: all rounds).
  virtual double wire_bytes(double params) const = 0;
  // Number of allreduce rounds per exchange (see the file comment); more than 1 needs Exchange::Allreduce.
  virtual int rounds() const { return 1; }
  // Wire bytes of round `round`'s block (rounds() > 1); the rounds add up to wire_bytes(params).
  virtual double round_wire_bytes(int round, double params) const;
  // After the exchange, on every rank once per step (numerics only): the summed payload that decode_add
  // got, for schemes with state across steps. Default: nothing.
  virtual void exchanged(const std::vector<float>& payload, const CompressionKey& key);
  // Sums `values` (empty in timing-only mode) of `wire_bytes` simulated bytes over the group in place.
  using Reduce = std::function<void(std::vector<float>& values, double wire_bytes)>;
  // out += decode(payload); out.size() is the real gradient length d (non-empty). `key` is the compressing rank's
  // (randomk: any rank's of the same step, its mask being shared).
  virtual void decode_add(const std::vector<float>& payload, const CompressionKey& key, std::vector<float>& out) const = 0;

  // Compresses `g` (empty in timing-only mode) whose simulated size is `dense_bytes`. Multi-round
  // schemes need `reduce` for their earlier rounds (a single rank's identity for tests on one rank).
  Compressed compress(const std::vector<float>& g, double dense_bytes, const CompressionKey& key,
                      const Reduce& reduce = {}) const;

  const CompressionSpec& spec() const { return spec_; }
  double bytes_per_param() const { return bytes_per_param_; }
  // k = ceil(ratio x d), at least 1 and at most d (topk, randomk).
  static std::size_t kept(double ratio, double d);

 protected:
  // The payload of `g` (non-empty).
  virtual std::vector<float> encode(const std::vector<float>& g, const CompressionKey& key) const = 0;
  // Multi-round: round `round` (>= 1)'s block of `g`, given `earlier`, the summed blocks of rounds
  // 0..round-1 concatenated (round 0's block is encode()). Default: throws (single-round schemes).
  virtual std::vector<float> encode_round(int round, const std::vector<float>& g, const std::vector<float>& earlier,
                                          const CompressionKey& key) const;

  CompressionSpec spec_;
  double bytes_per_param_ = 4;
  GradientLayout layout_;
};

using CompressorRegistry = Registry<Compressor>;

// The registered scheme `kind` with `options`, sized for `bytes_per_param`; throws on an unknown kind.
std::unique_ptr<Compressor> make_compressor(const std::string& kind, const OptionValues& options,
                                            double bytes_per_param);
// The same from a filled-in spec (spec.kind names the scheme), as tests and benchmarks build them.
std::unique_ptr<Compressor> make_compressor(const CompressionSpec& spec, double bytes_per_param);

// One error-feedback step on one rank's residual e (Seide et al. 2014, Karimireddy et al. 2019):
// c = C(g + e); e <- g + e - decode(c). With numerics off (g empty) it only sizes the block; e is
// sized on first use.
// `reduce`: as for Compressor::compress (multi-round schemes).
Compressed compress_with_error_feedback(const Compressor& compressor, const std::vector<float>& g,
                                        double dense_bytes, const CompressionKey& key, std::vector<float>& residual,
                                        const Compressor::Reduce& reduce = {});

// Float-exact encoding of an index in a float payload (indices up to 2^24; throws beyond).
float index_to_float(std::size_t index);
std::size_t float_to_index(float value);

}  // namespace dtsim
