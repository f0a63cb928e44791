// QSGD with s levels (Alistarh et al. 2017): ||g||_2 sign(g_i) xi_i / s, xi_i in 0..s by stochastic
// rounding of s |g_i| / ||g||_2, keyed by (seed, rank, step, i). Wire: 4-byte norm +
// ceil(d (1 + ceil(log2(s + 1))) / 8) bytes. Payload: the norm, then the d signed levels as floats.
#include <cmath>

#include "algorithms/compression/schemes.h"
#include "sim/straggler_model.h"

namespace dtsim::compression {
namespace {

class Qsgd : public Compressor {
 public:
  using Compressor::Compressor;
  Exchange exchange() const override { return Exchange::Allgather; }
  double wire_bytes(double params) const override {
    const double level_bits = std::ceil(std::log2(static_cast<double>(spec_.levels) + 1));
    return 4 + std::ceil(params * (1 + level_bits) / 8);
  }
  void decode_add(const std::vector<float>& payload, const CompressionKey&, std::vector<float>& out) const override {
    const float unit = payload[0] / static_cast<float>(spec_.levels);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += unit * payload[1 + i];
  }

 protected:
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey& key) const override {
    double sq = 0;
    for (float v : g) sq += static_cast<double>(v) * v;
    const float norm = static_cast<float>(std::sqrt(sq));
    std::vector<float> payload(1 + g.size(), 0.0f);
    payload[0] = norm;
    if (norm == 0) return payload;
    const double s = spec_.levels;
    // rank < 2^24 and step < 2^40 share one key without collisions
    const std::uint64_t a = (static_cast<std::uint64_t>(key.rank) << 40) ^ static_cast<std::uint64_t>(key.step);
    for (std::size_t i = 0; i < g.size(); ++i) {
      const double r = s * std::fabs(static_cast<double>(g[i])) / norm;
      double level = std::floor(r);
      if (keyed_uniform(key.seed, kQsgdStream, a, i) < r - level) level += 1;
      level = std::min(level, s);  // |g_i| <= ||g|| up to float rounding of the norm
      payload[1 + i] = static_cast<float>(g[i] < 0 ? -level : level);
    }
    return payload;
  }
};

}  // namespace

std::unique_ptr<Compressor> make_qsgd(const CompressionSpec& spec, double bytes_per_param) {
  return std::make_unique<Qsgd>(spec, bytes_per_param);
}

}  // namespace dtsim::compression
