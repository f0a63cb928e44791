// QSGD with s levels (Alistarh et al. 2017): within each bucket of `bucket` consecutive entries (0: the
// whole gradient is one bucket), ||g_b||_2 sign(g_i) xi_i / s, xi_i in 0..s by stochastic rounding of
// s |g_i| / ||g_b||_2, keyed by (seed, rank, step, i). Smaller buckets lower the variance bound
// min(b / s^2, sqrt(b) / s) ||g||^2 at 4 bytes per bucket. Wire: 4 ceil(d / b) bytes of norms +
// ceil(d (1 + ceil(log2(s + 1))) / 8) bytes. Payload: the ceil(d / b) norms, then the d signed levels.
#include <algorithm>
#include <cmath>
#include <limits>

#include "algorithms/compression/schemes.h"
#include "sim/engine/straggler_model.h"

namespace dtsim::compression {
namespace {

class Qsgd : public Compressor {
 public:
  using Compressor::Compressor;
  Exchange exchange() const override { return Exchange::Allgather; }
  bool chunk_reducible() const override { return true; }
  double wire_bytes(double params) const override {
    const double level_bits = std::ceil(std::log2(static_cast<double>(spec_.levels) + 1));
    return 4 * buckets(params) + std::ceil(params * (1 + level_bits) / 8);
  }
  void decode_add(const std::vector<float>& payload, const CompressionKey&, std::vector<float>& out) const override {
    const std::size_t d = out.size(), b = bucket_length(d), nb = static_cast<std::size_t>(buckets(static_cast<double>(d)));
    for (std::size_t k = 0; k < nb; ++k) {
      const float unit = payload[k] / static_cast<float>(spec_.levels);
      for (std::size_t i = k * b; i < std::min(d, (k + 1) * b); ++i) out[i] += unit * payload[nb + i];
    }
  }

 protected:
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey& key) const override {
    const std::size_t d = g.size(), b = bucket_length(d), nb = static_cast<std::size_t>(buckets(static_cast<double>(d)));
    std::vector<float> payload(nb + d, 0.0f);
    const double s = spec_.levels;
    // rank < 2^24 and step < 2^40 share one key without collisions
    const std::uint64_t a = (static_cast<std::uint64_t>(key.rank) << 40) ^ static_cast<std::uint64_t>(key.step);
    for (std::size_t k = 0; k < nb; ++k) {
      const std::size_t begin = k * b, end = std::min(d, begin + b);
      double sq = 0;
      for (std::size_t i = begin; i < end; ++i) sq += static_cast<double>(g[i]) * g[i];
      const float norm = static_cast<float>(std::sqrt(sq));
      payload[k] = norm;
      if (norm == 0) continue;
      for (std::size_t i = begin; i < end; ++i) {
        const double r = s * std::fabs(static_cast<double>(g[i])) / norm;
        double level = std::floor(r);
        if (keyed_uniform(key.seed, kQsgdStream, a, i) < r - level) level += 1;
        level = std::min(level, s);  // |g_i| <= ||g_b|| up to float rounding of the norm
        payload[nb + i] = static_cast<float>(g[i] < 0 ? -level : level);
      }
    }
    return payload;
  }

 private:
  std::size_t bucket_length(std::size_t d) const {
    return spec_.bucket > 0 ? static_cast<std::size_t>(spec_.bucket) : std::max<std::size_t>(d, 1);
  }
  double buckets(double d) const { return spec_.bucket > 0 ? std::ceil(d / static_cast<double>(spec_.bucket)) : 1.0; }
};

const bool registered_qsgd = CompressorRegistry::add(
    {"qsgd", "QSGD: stochastic quantization to s levels per bucket (Alistarh et al. 2017)",
     compression_options(false, {Option::integer("levels", 16, 1, 1 << 15, "quantization levels s"), Option::integer("bucket", 0, 0, std::numeric_limits<std::int64_t>::max(), "entries per norm (0: one norm for the whole gradient)"),
                                 compressed_collective_option("allgather")})},
    [](const OptionValues& o) { return std::make_unique<Qsgd>(CompressionSpec::from("qsgd", o)); });

}  // namespace


}  // namespace dtsim::compression
