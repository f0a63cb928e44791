#include "kernels/sampler.h"

#include <numeric>
#include <stdexcept>

#include "kernels/rng.h"

namespace dtsim::kernels {

BatchSampler::BatchSampler(std::vector<Index> shard, Index batch, bool shuffle, std::uint64_t seed, int rank)
    : base_(std::move(shard)), batch_(batch), epoch_length_(static_cast<Index>(base_.size())), shuffle_(shuffle),
      rank_(rank), seed_(seed) {
  if (base_.empty()) throw std::invalid_argument("rank " + std::to_string(rank) + " has no samples");
  if (batch < 1) throw std::invalid_argument("batch size must be >= 1");
}

BatchSampler BatchSampler::global_shuffle(Index dataset_size, int ranks, int rank, Index batch, bool shuffle,
                                          std::uint64_t seed) {
  if (dataset_size < ranks) throw std::invalid_argument("fewer samples than ranks");
  if (batch < 1) throw std::invalid_argument("batch size must be >= 1");
  BatchSampler s;  // base_ stays empty: [0, N) is rebuilt per epoch rather than kept per rank
  s.dataset_size_ = dataset_size;
  s.batch_ = batch;
  s.epoch_length_ = dataset_size / ranks;
  s.shuffle_ = shuffle;
  s.global_ = true;
  s.rank_ = rank;
  s.ranks_ = ranks;
  s.seed_ = seed;
  return s;
}

void BatchSampler::load_epoch(std::int64_t epoch) {
  if (epoch == loaded_epoch_) return;
  if (global_) {
    order_.resize(static_cast<std::size_t>(dataset_size_));
    std::iota(order_.begin(), order_.end(), Index{0});
  } else {
    order_ = base_;
  }
  if (shuffle_) {
    // The global permutation must not depend on the rank (nor on the number of ranks).
    const std::uint64_t stream = global_ ? 0x610ba1ULL : 0x5a3ULL + static_cast<std::uint64_t>(rank_);
    Rng rng(mix_seed(seed_, stream, static_cast<std::uint64_t>(epoch)));
    rng.shuffle(order_);
  }
  loaded_epoch_ = epoch;
}

void BatchSampler::append_batch(std::int64_t step, std::vector<Index>& out) {
  if (step < 0) throw std::invalid_argument("negative step");
  for (Index k = 0; k < batch_; ++k) {
    const std::int64_t position = step * batch_ + k;
    load_epoch(position / epoch_length_);
    const Index offset = position % epoch_length_;
    out.push_back(global_ ? order_[static_cast<std::size_t>(rank_ + offset * ranks_)] : order_[static_cast<std::size_t>(offset)]);
  }
}

std::vector<Index> BatchSampler::batch(std::int64_t step) {
  std::vector<Index> out;
  out.reserve(static_cast<std::size_t>(batch_));
  append_batch(step, out);
  return out;
}

}  // namespace dtsim::kernels
