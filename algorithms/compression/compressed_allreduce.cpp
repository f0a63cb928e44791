#include "algorithms/compression/compressed_allreduce.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/operations.h"

namespace dtsim {

double compressed_chunk_params(double params, int p, int i) {
  const double base = std::floor(params / p), extra = params - base * p;
  return base + (i < extra ? 1 : 0);
}

double compressed_allreduce_ring_bytes(const Compressor& compressor, int p, double params, int me) {
  double total = 0;  // reduce-scatter: every chunk but its own; allgather: every chunk but its successor's
  for (int i = 0; i < p; ++i) {
    const double c = compressor.wire_bytes(compressed_chunk_params(params, p, i));
    total += (i != me ? c : 0) + (i != (me + 1) % p ? c : 0);
  }
  return p == 1 ? 0 : total;
}

double compressed_allreduce_ring_time(const Compressor& compressor, int p, double params, double alpha, double beta) {
  if (p == 1) return 0;
  return 2.0 * (p - 1) * (alpha + compressor.wire_bytes(params / p) * beta);
}

namespace {

// One rank's view of the ring: chunk layout, keys and its own gradient.
class CompressedRing {
 public:
  CompressedRing(RankContext& ctx, const std::vector<int>& group, const Compressor& compressor, const Message& data,
                 std::uint64_t seed, std::int64_t step, std::vector<float>* residual)
      : ctx_(ctx), compressor_(compressor), data_(data), seed_(seed), step_(step), residual_(residual),
        p_(static_cast<int>(group.size())), me_(index_in_group(group, ctx.rank())),
        params_(std::round(data.bytes / compressor.bytes_per_param())), chunks_(data, p_),
        numerics_(!data.values.empty()) {
    if (numerics_ && residual_ && residual_->size() != data.values.size()) residual_->assign(data.values.size(), 0.0f);
  }

  double chunk_bytes(int i) const { return compressed_chunk_params(params_, p_, i) * compressor_.bytes_per_param(); }
  CompressionKey key(int endpoint, int chunk) const {
    return CompressionKey{seed_, endpoint * p_ + chunk, step_};
  }

  // The block this rank sends for chunk i holding `partial` (its own gradient's chunk plus what it
  // received), with its error feedback: encodes partial + e_i and keeps e_i <- partial + e_i - decoded.
  Message encode(int i, std::vector<float> partial) const {
    if (!numerics_) return Message{compressor_.wire_bytes(compressed_chunk_params(params_, p_, i)), {}};
    const std::size_t at = chunks_.offset(i);
    if (residual_)
      for (std::size_t k = 0; k < partial.size(); ++k) partial[k] += (*residual_)[at + k];
    Compressed c = compressor_.compress(partial, chunk_bytes(i), key(ctx_.rank(), i));
    if (residual_)
      for (std::size_t k = 0; k < partial.size(); ++k) (*residual_)[at + k] = partial[k] - c.decoded[k];
    return Message{c.wire_bytes, std::move(c.payload)};
  }

  // decode(block of chunk i encoded by `endpoint`), dense.
  std::vector<float> decode(int i, int endpoint, const Message& block) const {
    std::vector<float> out(chunks_.length(i), 0.0f);
    // An empty chunk (more ranks than entries) carries no block: compress() leaves it empty.
    if (!out.empty()) compressor_.decode_add(block.values, key(endpoint, i), out);
    return out;
  }

  // This rank's own gradient, chunk i.
  std::vector<float> own(int i) const { return chunks_.extract(data_, i).values; }

  RankContext& ctx_;
  const Compressor& compressor_;
  const Message& data_;
  std::uint64_t seed_;
  std::int64_t step_;
  std::vector<float>* residual_;
  int p_, me_;
  double params_;
  Chunks chunks_;
  bool numerics_;
};

}  // namespace

void compressed_allreduce_ring(RankContext& ctx, const std::vector<int>& group, const Compressor& compressor,
                               Message& data, std::uint64_t seed, std::int64_t step, std::vector<float>* residual) {
  if (!compressor.chunk_reducible())
    throw std::logic_error("compression: " + compressor.spec().kind + " has no compressed allreduce");
  const int p = static_cast<int>(group.size());
  if (p == 1) return;
  const CompressedRing ring(ctx, group, compressor, data, seed, step, residual);
  const int me = ring.me_, next = group[(me + 1) % p], prev = group[(me + p - 1) % p];
  auto exchange = [&](Message outgoing) {
    auto incoming = ctx.irecv(prev);
    auto sent = ctx.isend(next, std::move(outgoing));
    Message got = ctx.wait(incoming);
    ctx.wait(sent);
    return got;
  };

  // Reduce-scatter: chunk c starts at member c+1 and ends at its owner c, p-1 hops later.
  std::vector<Message> sums(p);  // compressed sums: this rank's own at first, all of them after the allgather
  Message outgoing = ring.encode((me - 1 + p) % p, ring.own((me - 1 + p) % p));
  for (int s = 0; s < p - 1; ++s) {
    const int recv_chunk = (me - s - 2 + 2 * p) % p;
    const Message got = exchange(std::move(outgoing));
    std::vector<float> partial;
    if (ring.numerics_) {
      partial = ring.decode(recv_chunk, prev, got);
      const std::vector<float> mine = ring.own(recv_chunk);
      for (std::size_t k = 0; k < partial.size(); ++k) partial[k] += mine[k];
    }
    Message encoded = ring.encode(recv_chunk, std::move(partial));
    if (s < p - 2) {
      outgoing = std::move(encoded);
    } else {
      sums[me] = std::move(encoded);  // recv_chunk == me: the owner's compressed sum
    }
  }

  // Allgather of the compressed sums.
  for (int s = 0; s < p - 1; ++s) {
    const int send_chunk = (me - s + p) % p, recv_chunk = (me - s - 1 + 2 * p) % p;
    sums[recv_chunk] = exchange(sums[send_chunk]);
  }
  if (!ring.numerics_) return;
  std::vector<float> total(data.values.size());
  for (int i = 0; i < p; ++i) {  // chunk i was encoded by its owner, member i
    const std::vector<float> sum = ring.decode(i, group[i], sums[i]);
    std::copy(sum.begin(), sum.end(), total.begin() + static_cast<std::ptrdiff_t>(ring.chunks_.offset(i)));
  }
  data.values = std::move(total);
}

void compressed_allreduce_hierarchical(RankContext& ctx, const std::vector<int>& group, const Compressor& compressor,
                                       Message& data, std::uint64_t seed, std::int64_t step,
                                       std::vector<float>* residual, Fidelity fidelity) {
  const int p = static_cast<int>(group.size());
  const int g = std::max(1, ctx.scenario().cluster.gpus_per_node);
  if (g == 1 || p <= g || p % g != 0 || p != ctx.size()) {
    compressed_allreduce_ring(ctx, group, compressor, data, seed, step, residual);
    return;
  }
  // Ranks are machine-major: machine m holds ranks m g .. m g + g - 1.
  const int machine = ctx.rank() / g, local_index = ctx.rank() % g;
  std::vector<int> local, cross;
  for (int i = 0; i < g; ++i) local.push_back(machine * g + i);
  for (int m = 0; m < p / g; ++m) cross.push_back(m * g + local_index);
  reduce_scatter_ring(ctx, local, data, fidelity);  // full precision over NVLink/PCIe
  const Chunks chunks(data, g);
  Message part = chunks.extract(data, local_index);
  compressed_allreduce_ring(ctx, cross, compressor, part, seed, step, residual);
  chunks.assign(data, local_index, part);
  allgather_ring(ctx, local, data, fidelity);
}

}  // namespace dtsim
