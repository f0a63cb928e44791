// Gradient bucketing for the allreduce training algorithm (workload.bucket_size): when each bucket's
// gradient is ready during the backward pass, and which slice of the gradient it carries.
//
// Compute model: one iteration's compute_time c splits into a forward pass c/3 and a backward pass
// 2c/3 (backward ~ 2x forward FLOPs). The backward pass visits the layers in reverse order and spends
// on each layer a share of 2c/3 proportional to its parameter count. Gradients are grouped into
// buckets in reverse layer order (PyTorch DDP style): a bucket is closed as soon as it holds at least
// bucket_size bytes (the last bucket, holding the first layers, may be smaller). Bucket k is ready
// when the backward pass has finished its first (lowest) layer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/scenario/scenario.h"

namespace dtsim {

struct GradientBucket {
  std::size_t first_layer = 0, last_layer = 0;  // forward indices, inclusive
  double params = 0;        // parameters in the bucket (profile scaled to WorkloadSpec::params)
  double bytes = 0;         // params x bytes_per_param
  double param_begin = 0;   // [param_begin, param_end): position in the forward-order parameter vector
  double param_end = 0;
  double backward_done = 0; // backward compute (s) from the start of the backward pass until ready
};

struct BucketSchedule {
  double forward_time = 0;
  double backward_time = 0;
  double total_params = 0;
  std::vector<GradientBucket> buckets;  // in issue order: the last layers' bucket first
  // The slice [begin, end) of a gradient with `values` entries (forward order) that bucket k carries.
  std::pair<std::size_t, std::size_t> value_range(std::size_t k, std::size_t values) const;
};

// The layer profile (workload.layers, empty: one layer) scaled so that it sums to workload.params.
BucketSchedule make_bucket_schedule(const WorkloadSpec& workload);

// Iteration time the schedule predicts when each bucket's allreduce takes allreduce_time(bytes) and
// the allreduces run one at a time, each starting at max(ready, previous end):
// iteration = max(compute, end of the last allreduce).
template <typename AllreduceTime>
double predicted_iteration_time(const BucketSchedule& s, AllreduceTime allreduce_time) {
  double comm_end = 0;
  for (const GradientBucket& b : s.buckets) {
    const double ready = s.forward_time + b.backward_done;
    comm_end = (comm_end > ready ? comm_end : ready) + allreduce_time(b.bytes);
  }
  const double compute = s.forward_time + s.backward_time;
  return comm_end > compute ? comm_end : compute;
}

}  // namespace dtsim
