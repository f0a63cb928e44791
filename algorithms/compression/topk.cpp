// Top-k: the k = ceil(ratio d) entries of largest magnitude, sent as (value, index) pairs.
// Wire: k x (b + 4) bytes. Payload: k values, then their k indices (ascending) as exact floats.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "algorithms/compression/schemes.h"

namespace dtsim::compression {
namespace {

class TopK : public Compressor {
 public:
  using Compressor::Compressor;
  Exchange exchange() const override { return Exchange::Allgather; }
  double wire_bytes(double params) const override {
    return static_cast<double>(kept(spec_.ratio, params)) * (bytes_per_param_ + 4);
  }
  void decode_add(const std::vector<float>& payload, const CompressionKey&, std::vector<float>& out) const override {
    const std::size_t k = payload.size() / 2;
    for (std::size_t j = 0; j < k; ++j) out[float_to_index(payload[k + j])] += payload[j];
  }

 protected:
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey&) const override {
    const std::size_t d = g.size(), k = kept(spec_.ratio, static_cast<double>(d));
    std::vector<std::size_t> order(d);
    std::iota(order.begin(), order.end(), std::size_t{0});
    auto larger = [&](std::size_t a, std::size_t b) {
      const float fa = std::fabs(g[a]), fb = std::fabs(g[b]);
      return fa > fb || (fa == fb && a < b);
    };
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k - 1), order.end(), larger);
    order.resize(k);
    std::sort(order.begin(), order.end());
    std::vector<float> payload(2 * k);
    for (std::size_t j = 0; j < k; ++j) {
      payload[j] = g[order[j]];
      payload[k + j] = index_to_float(order[j]);
    }
    return payload;
  }
};

}  // namespace

std::unique_ptr<Compressor> make_topk(const CompressionSpec& spec, double bytes_per_param) {
  return std::make_unique<TopK>(spec, bytes_per_param);
}

}  // namespace dtsim::compression
