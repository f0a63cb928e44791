// One GPU's data loader (workload.input_pipeline): the host prepares each iteration's samples (read,
// decode, augment, copy) at the GPU's share of its machine's rate, and may run at most `prefetch`
// iterations ahead of the GPU, as PyTorch's DataLoader (prefetch_factor batches per worker) and DALI
// (prefetch_queue_depth) bound their queues. The GPU takes a batch when it starts computing the
// iteration's gradient and waits if it is not ready yet: training runs no faster than the slower of
// the GPU and its loader, and a loader only slightly faster than the mean step still stalls a GPU
// whose step times vary unless its queue absorbs the variation.
//
// Batch k is prepared from start_k = max(finish_{k-1}, taken_{k-prefetch}) (the loader works
// continuously unless its queue is full) to finish_k = start_k + its preparation time, and taken at
// max(wanted, finish_k). The loader starts empty when its process does (the run's start, or a restart).
#pragma once
#include <deque>

namespace dtsim {

class InputPipeline {
 public:
  InputPipeline(int prefetch, double start);
  // The GPU wants its next batch at `now`; the loader needs `prepare_seconds` for it. Returns when the
  // batch is ready (>= now), which is when the GPU takes it.
  double take(double now, double prepare_seconds);

 private:
  int prefetch_;
  double last_finish_;  // when the loader finished its last batch (its start, before the first)
  std::deque<double> taken_;  // when each of the last `prefetch_` batches was taken, oldest first
};

}  // namespace dtsim
