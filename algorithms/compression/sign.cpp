// Scaled sign (1-bit): (||g||_1 / d) sign(g_i), sign(0) = +1. Wire: 4-byte scale + ceil(d / 8) bytes.
// Payload: the scale, then d entries of +-1.
#include <cmath>

#include "algorithms/compression/schemes.h"

namespace dtsim::compression {
namespace {

class Sign : public Compressor {
 public:
  using Compressor::Compressor;
  Exchange exchange() const override { return Exchange::Allgather; }
  bool chunk_reducible() const override { return true; }
  double wire_bytes(double params) const override { return 4 + std::ceil(params / 8); }
  void decode_add(const std::vector<float>& payload, const CompressionKey&, std::vector<float>& out) const override {
    const float scale = payload[0];
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += scale * payload[1 + i];
  }

 protected:
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey&) const override {
    double l1 = 0;
    for (float v : g) l1 += std::fabs(static_cast<double>(v));
    std::vector<float> payload(1 + g.size());
    payload[0] = static_cast<float>(l1 / static_cast<double>(g.size()));
    for (std::size_t i = 0; i < g.size(); ++i) payload[1 + i] = g[i] < 0 ? -1.0f : 1.0f;
    return payload;
  }
};

const bool registered_sign = CompressorRegistry::add(
    {"sign", "scaled sign (1-bit): (||g||_1 / d) sign(g_i); with error feedback EF-signSGD (Karimireddy et al. 2019)",
     compression_options(true, {compressed_collective_option("allgather")})},
    [](const OptionValues& o) { return std::make_unique<Sign>(CompressionSpec::from("sign", o)); });

}  // namespace


}  // namespace dtsim::compression
