// Random-k: the k = ceil(ratio d) entries of a mask drawn per gradient step from the scenario seed
// (partial Fisher-Yates with keyed draws), the same mask on every rank: the k kept values of all ranks
// line up, so they are summed by an ordinary allreduce (algorithm.collective) of k x b bytes and the
// indices never travel. Without error feedback the values are scaled by d/k (unbiased); with it they
// are sent unscaled (a contraction, as error feedback needs).
#include <algorithm>
#include <numeric>

#include "algorithms/compression/schemes.h"
#include "sim/engine/straggler_model.h"

namespace dtsim::compression {
namespace {

class RandomK : public Compressor {
 public:
  using Compressor::Compressor;
  bool sparsifier() const override { return true; }
  Exchange exchange() const override { return Exchange::Allreduce; }
  double wire_bytes(double params) const override {
    return static_cast<double>(kept(spec_.ratio, params)) * bytes_per_param_;
  }
  void decode_add(const std::vector<float>& payload, const CompressionKey& key, std::vector<float>& out) const override {
    const std::vector<std::size_t> idx = mask(out.size(), key);
    const float scale = spec_.error_feedback ? 1.0f : static_cast<float>(out.size()) / static_cast<float>(idx.size());
    for (std::size_t j = 0; j < idx.size(); ++j) out[idx[j]] += scale * payload[j];
  }

 protected:
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey& key) const override {
    const std::vector<std::size_t> idx = mask(g.size(), key);
    std::vector<float> payload(idx.size());
    for (std::size_t j = 0; j < idx.size(); ++j) payload[j] = g[idx[j]];
    return payload;
  }

 private:
  // The k kept indices of step key.step, ascending; keyed without the rank.
  std::vector<std::size_t> mask(std::size_t d, const CompressionKey& key) const {
    const std::size_t k = kept(spec_.ratio, static_cast<double>(d));
    std::vector<std::size_t> perm(d);
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    for (std::size_t j = 0; j < k; ++j) {
      const double u = keyed_uniform(key.seed, kRandomKStream, static_cast<std::uint64_t>(key.step), j);
      const std::size_t r = j + std::min(d - j - 1, static_cast<std::size_t>(u * static_cast<double>(d - j)));
      std::swap(perm[j], perm[r]);
    }
    perm.resize(k);
    std::sort(perm.begin(), perm.end());
    return perm;
  }
};

const bool registered_randomk = CompressorRegistry::add(
    {"randomk", "random-k sparsification with a mask shared by all ranks, summed by any allreduce (Stich et al. 2018)",
     compression_options(false, {Option::number("ratio", 0.01, 0, true, 1, "fraction of the entries kept: k = ceil(ratio x d)")})},
    [](const OptionValues& o) { return std::make_unique<RandomK>(CompressionSpec::from("randomk", o)); });

}  // namespace


}  // namespace dtsim::compression
