#include "algorithms/training/compressed_exchange.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "algorithms/collectives/operations.h"
#include "algorithms/compression/compressed_allreduce.h"

namespace dtsim {

CompressedExchange::CompressedExchange(const Scenario& s, const std::string& compressor, const OptionValues& options,
                                       std::string collective, GradientLayout layout)
    : compressor_(make_compressor(compressor, options, s.workload.bytes_per_param)), collective_(std::move(collective)) {
  compressor_->set_layout(std::move(layout));
  if (compressor_->rounds() > 1 && compressor_->exchange() != Compressor::Exchange::Allreduce)
    throw std::logic_error("compression: " + compressor + " exchanges in several rounds but not by allreduce");
}

Message CompressedExchange::exchange(RankContext& ctx, const Collective& collective, const std::vector<int>& group,
                                     const Message& gradient, std::vector<float>* sent) {
  // Compressing and decoding take GPU time (compression.compute_time), slowed like the rank's compute.
  if (compressor_->spec().compute_time > 0) ctx.compute(compressor_->spec().compute_time * ctx.compute_factor());
  const CompressionKey key{ctx.scenario().seed, ctx.rank(), ctx.sample_step()};
  if (compressor_->spec().collective == "compressed_allreduce") {
    std::vector<float>* residual = nullptr;
    if (compressor_->spec().error_feedback) {
      if (residual_.size() < static_cast<std::size_t>(ctx.size())) residual_.resize(ctx.size());
      residual = &residual_[ctx.rank()];
    }
    Message sum = gradient;
    if (collective_ == "hierarchical")
      compressed_allreduce_hierarchical(ctx, group, *compressor_, sum, key.seed, key.step, residual,
                                        collective.fidelity(ctx));
    else
      compressed_allreduce_ring(ctx, group, *compressor_, sum, key.seed, key.step, residual);
    return sum;  // `sent` stays empty: no rank's own contribution is decoded apart (quantizers only)
  }
  // The earlier rounds of a multi-round scheme: allreduces by algorithm.collective.
  Compressor::Reduce reduce;
  if (compressor_->rounds() > 1)
    reduce = [&](std::vector<float>& values, double bytes) {
      Message block{bytes, std::move(values)};
      collective.allreduce(ctx, group, block);
      values = std::move(block.values);
    };
  Compressed mine;
  if (compressor_->spec().error_feedback) {
    if (residual_.size() < static_cast<std::size_t>(ctx.size())) residual_.resize(ctx.size());
    mine = compress_with_error_feedback(*compressor_, gradient.values, gradient.bytes, key, residual_[ctx.rank()],
                                        reduce);
  } else {
    mine = compressor_->compress(gradient.values, gradient.bytes, key, reduce);
  }
  const bool numerics = !gradient.values.empty();
  if (sent) *sent = std::move(mine.decoded);
  Message sum{gradient.bytes, {}};
  if (numerics) sum.values.assign(gradient.values.size(), 0.0f);

  if (compressor_->exchange() == Compressor::Exchange::Allreduce) {
    Message block{mine.wire_bytes, std::move(mine.payload)};
    collective.allreduce(ctx, group, block);
    if (numerics) {
      std::vector<float> payload = std::move(block.values);  // multi-round: the earlier rounds' sums first
      if (!mine.earlier.empty()) payload.insert(payload.begin(), mine.earlier.begin(), mine.earlier.end());
      compressor_->decode_add(payload, key, sum.values);
      compressor_->exchanged(payload, key);
    }
    return sum;
  }

  // Allgather: p equal chunks (every block has the same wire size and payload length), chunk i being
  // member i's block; Chunks splits p x c bytes (or p x L floats) into exactly these p chunks.
  const int p = static_cast<int>(group.size());
  const int me = index_in_group(group, ctx.rank());
  const std::size_t length = mine.payload.size();
  Message all{p * mine.wire_bytes, {}};
  if (numerics) {
    all.values.assign(static_cast<std::size_t>(p) * length, 0.0f);
    std::copy(mine.payload.begin(), mine.payload.end(), all.values.begin() + static_cast<std::ptrdiff_t>(me * length));
  }
  allgather_ring(ctx, group, all, collective.fidelity(ctx));
  if (numerics) {
    std::vector<float> block(length);
    for (int j = 0; j < p; ++j) {
      const auto begin = all.values.begin() + static_cast<std::ptrdiff_t>(j * length);
      std::copy(begin, begin + static_cast<std::ptrdiff_t>(length), block.begin());
      compressor_->decode_add(block, CompressionKey{key.seed, group[j], key.step}, sum.values);
    }
  }
  return sum;
}

void CompressedExchange::step(RankContext& ctx, const Collective& collective, const std::vector<int>& group,
                              Workload& work, const Message& gradient) {
  if (!compressor_->spec().momentum_correction || gradient.values.empty()) {
    work.apply_gradient_sum(ctx, exchange(ctx, collective, group, gradient), ctx.size());
    return;
  }
  const kernels::OptimizerSpec& optimizer = ctx.scenario().workload.numerics.replica.optimizer;
  const auto mu = static_cast<float>(optimizer.momentum), wd = static_cast<float>(optimizer.weight_decay);
  if (velocity_.size() < static_cast<std::size_t>(ctx.size())) velocity_.resize(ctx.size());
  std::vector<float>& u = velocity_[ctx.rank()];
  if (u.empty()) u.assign(gradient.values.size(), 0.0f);
  Message x = work.parameters(ctx);
  Message corrected{gradient.bytes, std::vector<float>(u.size())};
  for (std::size_t i = 0; i < u.size(); ++i) corrected.values[i] = u[i] = mu * u[i] + gradient.values[i] + wd * x.values[i];
  std::vector<float> sent;
  const Message sum = exchange(ctx, collective, group, corrected, &sent);
  if (compressor_->sparsifier())  // momentum factor masking: sent entries restart their velocity
    for (std::size_t i = 0; i < u.size(); ++i)
      if (sent[i] != 0.0f) u[i] = 0.0f;
  const auto scale = static_cast<float>(work.learning_rate(ctx) / ctx.size());
  for (std::size_t i = 0; i < u.size(); ++i) x.values[i] -= scale * sum.values[i];
  work.set_parameters(ctx, std::move(x));
}

}  // namespace dtsim
