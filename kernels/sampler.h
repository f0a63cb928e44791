#pragma once
// Per-rank mini-batch sampling. The batch of a step is a pure function of (seed, rank, step):
// positions [step*b, (step+1)*b) of an endless stream made of one seeded permutation per epoch.
// Asynchronous algorithms may therefore ask for steps in any order and get the same batches.
#include <cstdint>
#include <vector>

#include "kernels/types.h"

namespace dtsim::kernels {

class BatchSampler {
 public:
  // A fixed shard, reshuffled every epoch if `shuffle` (seeded by seed, rank, epoch).
  BatchSampler(std::vector<Index> shard, Index batch, bool shuffle, std::uint64_t seed, int rank);
  // Every epoch the whole set [0, dataset_size) is permuted by (seed, epoch) alone, and rank r
  // takes positions r, r + ranks, ...: the union of all ranks' step-s batches is the step-s batch
  // of a single rank with batch ranks*b (when ranks*b divides dataset_size).
  static BatchSampler global_shuffle(Index dataset_size, int ranks, int rank, Index batch, bool shuffle,
                                     std::uint64_t seed);

  std::vector<Index> batch(std::int64_t step);
  void append_batch(std::int64_t step, std::vector<Index>& out);

  Index batch_size() const { return batch_; }
  Index epoch_length() const { return epoch_length_; }  // samples this rank sees per epoch
  double epoch_at(std::int64_t step) const { return double(step) * batch_ / epoch_length_; }

 private:
  BatchSampler() = default;
  void load_epoch(std::int64_t epoch);

  std::vector<Index> base_;  // the shard (empty for global shuffle)
  Index dataset_size_ = 0;   // global shuffle only
  Index batch_ = 0;
  Index epoch_length_ = 0;
  bool shuffle_ = true;
  bool global_ = false;
  int rank_ = 0, ranks_ = 1;
  std::uint64_t seed_ = 0;
  std::int64_t loaded_epoch_ = -1;
  std::vector<Index> order_;  // permutation of base_ for loaded_epoch_
};

}  // namespace dtsim::kernels
