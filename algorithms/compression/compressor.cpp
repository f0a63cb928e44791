#include "algorithms/compression/compressor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "algorithms/compression/schemes.h"

namespace dtsim {

std::size_t Compressor::kept(double ratio, double d) {
  if (d < 1) return 0;
  // The small slack keeps ratio x d that is an integer up to rounding (0.07 x 100) from rounding up.
  const double k = std::ceil(ratio * d * (1 - 1e-12));
  return static_cast<std::size_t>(std::min(std::max(k, 1.0), d));
}

Compressed Compressor::compress(const std::vector<float>& g, double dense_bytes, const CompressionKey& key) const {
  Compressed c;
  c.wire_bytes = wire_bytes(std::round(dense_bytes / bytes_per_param_));
  if (g.empty()) return c;
  c.payload = encode(g, key);
  c.decoded.assign(g.size(), 0.0f);
  decode_add(c.payload, key, c.decoded);
  return c;
}

bool is_sparsifier(const CompressionSpec& spec) { return spec.kind == "topk" || spec.kind == "randomk"; }

std::unique_ptr<Compressor> make_compressor(const CompressionSpec& spec, double bytes_per_param) {
  if (spec.kind == "topk") return compression::make_topk(spec, bytes_per_param);
  if (spec.kind == "randomk") return compression::make_randomk(spec, bytes_per_param);
  if (spec.kind == "qsgd") return compression::make_qsgd(spec, bytes_per_param);
  if (spec.kind == "sign") return compression::make_sign(spec, bytes_per_param);
  throw std::logic_error("make_compressor: no compressor \"" + spec.kind + "\"");
}

Compressed compress_with_error_feedback(const Compressor& compressor, const std::vector<float>& g,
                                        double dense_bytes, const CompressionKey& key, std::vector<float>& residual) {
  if (g.empty()) return compressor.compress(g, dense_bytes, key);
  if (residual.size() != g.size()) residual.assign(g.size(), 0.0f);
  std::vector<float> corrected(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) corrected[i] = g[i] + residual[i];
  Compressed c = compressor.compress(corrected, dense_bytes, key);
  for (std::size_t i = 0; i < g.size(); ++i) residual[i] = corrected[i] - c.decoded[i];
  return c;
}

float index_to_float(std::size_t index) {
  if (index > (std::size_t{1} << 24))
    throw std::invalid_argument("compression: index " + std::to_string(index) +
                                " is beyond 2^24, the largest a float payload holds exactly");
  return static_cast<float>(index);
}

std::size_t float_to_index(float value) { return static_cast<std::size_t>(value); }

}  // namespace dtsim
