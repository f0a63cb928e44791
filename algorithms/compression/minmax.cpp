// Min-max quantization to `bits` bits per entry (8 by default: ByteGrad, Bagua's 8-bit compressed
// allreduce, Gan et al., "Bagua: Scaling up Distributed Learning with System Relaxations", VLDB 2022):
// the block's min and max, and per entry the nearest of the 2^bits evenly spaced levels between them,
// q_i = round((g_i - min) / step), step = (max - min) / (2^bits - 1); decoded min + q_i step. Rounding
// is deterministic (biased; error at most step / 2 per entry). Wire: 8 bytes (min, max) +
// ceil(d x bits / 8). Payload: min, max, then the d levels. Its default collective is the compressed
// allreduce, as in Bagua; "allgather" gathers the p blocks instead.
#include <algorithm>
#include <cmath>

#include "algorithms/compression/schemes.h"

namespace dtsim::compression {
namespace {

class MinMax : public Compressor {
 public:
  using Compressor::Compressor;
  Exchange exchange() const override { return Exchange::Allgather; }
  bool chunk_reducible() const override { return true; }
  double wire_bytes(double params) const override { return 8 + std::ceil(params * spec_.bits / 8); }
  void decode_add(const std::vector<float>& payload, const CompressionKey&, std::vector<float>& out) const override {
    const double low = payload[0], step = level_step(payload[0], payload[1]);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += static_cast<float>(low + payload[2 + i] * step);
  }

 protected:
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey&) const override {
    const auto [low, high] = std::minmax_element(g.begin(), g.end());
    std::vector<float> payload(2 + g.size(), 0.0f);
    payload[0] = *low;
    payload[1] = *high;
    const double step = level_step(*low, *high), top = levels();
    if (step == 0) return payload;  // a constant block: every level 0 decodes to min exactly
    for (std::size_t i = 0; i < g.size(); ++i)
      payload[2 + i] = static_cast<float>(std::min(top, std::nearbyint((static_cast<double>(g[i]) - *low) / step)));
    return payload;
  }

 private:
  double levels() const { return std::ldexp(1.0, spec_.bits) - 1; }
  double level_step(float low, float high) const { return (static_cast<double>(high) - low) / levels(); }
};

const bool registered_minmax = CompressorRegistry::add(
    {"minmax", "min-max quantization to `bits` bits per entry (8: ByteGrad, Bagua, Gan et al. 2022)",
     compression_options(false, {Option::integer("bits", 8, 1, 16, "bits per entry (2^bits levels between min and max)"),
                                 compressed_collective_option("compressed_allreduce")})},
    [](const OptionValues& o) { return std::make_unique<MinMax>(CompressionSpec::from("minmax", o)); });

}  // namespace
}  // namespace dtsim::compression
