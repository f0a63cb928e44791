#include "sim/engine/input_pipeline.h"

#include <algorithm>
#include <stdexcept>

namespace dtsim {

InputPipeline::InputPipeline(int prefetch, double start) : prefetch_(prefetch), last_finish_(start) {
  if (prefetch < 1) throw std::logic_error("InputPipeline: prefetch must be at least 1");
}

double InputPipeline::take(double now, double prepare_seconds) {
  // The queue holds at most prefetch_ batches: the next one starts once the batch prefetch_ places
  // before it has been taken.
  const double queue_free = static_cast<int>(taken_.size()) == prefetch_ ? taken_.front() : last_finish_;
  const double finish = std::max(last_finish_, queue_free) + prepare_seconds;
  last_finish_ = finish;
  const double ready = std::max(now, finish);
  taken_.push_back(ready);
  if (static_cast<int>(taken_.size()) > prefetch_) taken_.pop_front();
  return ready;
}

}  // namespace dtsim
