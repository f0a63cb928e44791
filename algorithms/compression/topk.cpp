// Top-k: the k = ceil(ratio d) entries of largest magnitude, sent as (value, index) pairs.
// Wire: k x (b + 4) bytes. Payload: k values, then their k indices (ascending) as exact floats.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "algorithms/compression/schemes.h"

namespace dtsim::compression {
namespace {

class TopK : public Compressor {
 public:
  using Compressor::Compressor;
  bool sparsifier() const override { return true; }
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
    // The k-th largest magnitude t by selection on a contiguous copy of |g| (no index array to
    // chase), then one ascending scan keeps every |g_i| > t and the first k - #{|g_i| > t} entries
    // equal to t: ties go to the lower index, and the indices come out sorted.
    const std::size_t d = g.size(), k = kept(spec_.ratio, static_cast<double>(d));
    std::vector<float> magnitude(d);
    for (std::size_t i = 0; i < d; ++i) magnitude[i] = std::fabs(g[i]);
    std::nth_element(magnitude.begin(), magnitude.begin() + static_cast<std::ptrdiff_t>(k - 1), magnitude.end(),
                     std::greater<float>());
    const float t = magnitude[k - 1];
    std::size_t ties = k;
    for (std::size_t i = 0; i < d; ++i)
      if (std::fabs(g[i]) > t) --ties;
    std::vector<float> payload(2 * k);
    std::size_t j = 0;
    for (std::size_t i = 0; i < d && j < k; ++i) {
      const float m = std::fabs(g[i]);
      if (m > t || (m == t && ties > 0 && ties--)) {
        payload[j] = g[i];
        payload[k + j] = index_to_float(i);
        ++j;
      }
    }
    // Fewer than k only if g holds NaN (a diverged run): pad with zeros at index 0, which add nothing.
    for (; j < k; ++j) payload[k + j] = 0.0f;
    return payload;
  }
};

const bool registered_topk = CompressorRegistry::add(
    {"topk", "top-k sparsification: the k entries of largest |g_i| with their indices (Aji & Heafield 2017; Stich et al. 2018)",
     compression_options(true, {Option::number("ratio", 0.01, 0, true, 1, "fraction of the entries kept: k = ceil(ratio x d)")})},
    [](const OptionValues& o) { return std::make_unique<TopK>(CompressionSpec::from("topk", o)); });

}  // namespace


}  // namespace dtsim::compression
