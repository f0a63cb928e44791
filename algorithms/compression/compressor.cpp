#include "algorithms/compression/compressor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dtsim {

CompressionSpec CompressionSpec::from(const std::string& kind, const OptionValues& o) {
  CompressionSpec c;
  c.kind = kind;
  if (o.has("ratio")) c.ratio = o.number("ratio");
  if (o.has("levels")) c.levels = static_cast<int>(o.integer("levels"));
  if (o.has("bucket")) c.bucket = o.integer("bucket");
  if (o.has("rank")) c.rank = static_cast<int>(o.integer("rank"));
  if (o.has("bits")) c.bits = static_cast<int>(o.integer("bits"));
  if (o.has("collective")) c.collective = o.text("collective");
  c.error_feedback = o.boolean("error_feedback");
  c.momentum_correction = o.boolean("momentum_correction");
  c.compute_time = o.number("compute_time");
  return c;
}

OptionList compression_options(bool error_feedback, OptionList own) {
  OptionList options = std::move(own);
  options.push_back(Option::boolean("error_feedback", error_feedback,
                                    "keep what compression dropped and add it to the next gradient (Seide et al. "
                                    "2014; Karimireddy et al. 2019)"));
  options.push_back(Option::boolean("momentum_correction", false,
                                    "momentum per rank before compression (Deep Gradient Compression, Lin et al. "
                                    "2018); needs workload.optimizer \"momentum\""));
  // Selection, quantization and decoding run on the GPU before and after the exchange, which can eat
  // into what compression saves.
  options.push_back(Option::duration("compute_time", std::string("0s"),
                                     "GPU time per iteration per rank to compress and decode"));
  return options;
}

Option compressed_collective_option(const std::string& fallback) {
  return Option::choice("collective", fallback, {"allgather", "compressed_allreduce"},
                        "allgather: ring allgather of every rank's block; compressed_allreduce: ring reduce-scatter "
                        "that decodes, sums and re-encodes each chunk at every hop, then a ring allgather of the "
                        "compressed sums (Bagua's ByteGrad; 1-bit Adam)");
}

std::size_t Compressor::kept(double ratio, double d) {
  if (d < 1) return 0;
  // The small slack keeps ratio x d that is an integer up to rounding (0.07 x 100) from rounding up.
  const double k = std::ceil(ratio * d * (1 - 1e-12));
  return static_cast<std::size_t>(std::min(std::max(k, 1.0), d));
}

double Compressor::round_wire_bytes(int /*round*/, double params) const { return wire_bytes(params); }

void Compressor::exchanged(const std::vector<float>& /*payload*/, const CompressionKey& /*key*/) {}

std::vector<float> Compressor::encode_round(int round, const std::vector<float>& /*g*/,
                                            const std::vector<float>& /*earlier*/, const CompressionKey& /*key*/) const {
  throw std::logic_error("compression: " + spec_.kind + " has no round " + std::to_string(round));
}

Compressed Compressor::compress(const std::vector<float>& g, double dense_bytes, const CompressionKey& key,
                                const Reduce& reduce) const {
  const double params = std::round(dense_bytes / bytes_per_param_);
  const int last = rounds() - 1;
  if (last > 0 && !reduce)
    throw std::logic_error("compression: " + spec_.kind + " exchanges in several rounds and needs a reduce");
  Compressed c;
  c.wire_bytes = last == 0 ? wire_bytes(params) : round_wire_bytes(last, params);
  if (g.empty()) {  // timing only: the earlier rounds still take their time on the wire
    for (int t = 0; t < last; ++t) {
      std::vector<float> none;
      reduce(none, round_wire_bytes(t, params));
    }
    return c;
  }
  c.payload = encode(g, key);
  for (int t = 1; t <= last; ++t) {
    reduce(c.payload, round_wire_bytes(t - 1, params));
    c.earlier.insert(c.earlier.end(), c.payload.begin(), c.payload.end());
    c.payload = encode_round(t, g, c.earlier, key);
  }
  c.decoded.assign(g.size(), 0.0f);
  if (last == 0) {
    decode_add(c.payload, key, c.decoded);
  } else {
    std::vector<float> all = c.earlier;
    all.insert(all.end(), c.payload.begin(), c.payload.end());
    decode_add(all, key, c.decoded);
  }
  return c;
}

std::unique_ptr<Compressor> make_compressor(const std::string& kind, const OptionValues& options,
                                            double bytes_per_param) {
  std::unique_ptr<Compressor> compressor = CompressorRegistry::create(kind, options);
  compressor->set_bytes_per_param(bytes_per_param);
  return compressor;
}

std::unique_ptr<Compressor> make_compressor(const CompressionSpec& spec, double bytes_per_param) {
  const json options = {{"ratio", spec.ratio},
                        {"levels", spec.levels},
                        {"bucket", spec.bucket},
                        {"rank", spec.rank},
                        {"bits", spec.bits},
                        {"collective", spec.collective},
                        {"error_feedback", spec.error_feedback},
                        {"momentum_correction", spec.momentum_correction},
                        {"compute_time", spec.compute_time}};
  return make_compressor(spec.kind, OptionValues(options), bytes_per_param);
}

Compressed compress_with_error_feedback(const Compressor& compressor, const std::vector<float>& g,
                                        double dense_bytes, const CompressionKey& key, std::vector<float>& residual,
                                        const Compressor::Reduce& reduce) {
  if (g.empty()) return compressor.compress(g, dense_bytes, key, reduce);
  if (residual.size() != g.size()) residual.assign(g.size(), 0.0f);
  std::vector<float> corrected(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) corrected[i] = g[i] + residual[i];
  Compressed c = compressor.compress(corrected, dense_bytes, key, reduce);
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
