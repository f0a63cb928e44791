// The backward pass's gradient timeline and the allreduces that carry the gradient (workload.fusion).
//
// Compute model: one iteration's compute_time c splits into forward and backward in proportion to
// their FLOPs, the backward pass costing 2x the forward FLOPs of every layer (a weight gradient and
// an input gradient, each as costly as the forward product): forward c/3, backward 2c/3. With
// workload.accumulation_steps = n the timeline is the last micro-batch's: forward_time covers the
// first n-1 micro-batches and the last forward pass (c - 2c/3n), backward_time is 2c/3n. The backward
// pass visits the layers in reverse order and spends on each a share of 2c/3 proportional to its
// forward FLOPs (catalog profiles: scripts/model_profiles.py), so a layer's gradient is ready once
// the backward pass has covered it: VGG-16's fc layers (89 % of the bytes, 0.8 % of the FLOPs) are
// ready almost at once. A profile given as parameter counts only splits the backward pass by them.
//
// Buckets by policy (algorithms/training/fusion/): "none", one allreduce of everything when the backward
// pass ends; "ddp", PyTorch DDP's static buckets in reverse layer order, the first closed once it holds
// first_bucket bytes, the others bucket_cap bytes (the last, holding the first layers, may be smaller),
// each allreduced once its lowest layer is ready; "horovod", one unit per layer, fused at run time
// (fusion_policy.h).
#pragma once
#include <cstddef>
#include <functional>
#include <utility>
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
  std::vector<GradientBucket> layers;   // one per layer, in backward (ready) order
  std::vector<GradientBucket> buckets;  // in issue order: the last layers' bucket first (horovod: = layers)
  // The slice [begin, end) of a gradient with `values` entries (forward order) that parameters
  // [param_begin, param_end) occupy, or that bucket k carries.
  std::pair<std::size_t, std::size_t> value_range(double param_begin, double param_end, std::size_t values) const;
  std::pair<std::size_t, std::size_t> value_range(std::size_t k, std::size_t values) const {
    return value_range(buckets.at(k).param_begin, buckets.at(k).param_end, values);
  }
};

// The layer profile (workload.layers, empty: one layer) scaled so that it sums to workload.params,
// grouped into allreduce units by the workload's fusion policy (fusion_policy.h).
BucketSchedule make_bucket_schedule(const WorkloadSpec& workload);

// Groups consecutive layers (backward order) into buckets: bucket k closes once it holds cap(k) bytes.
std::vector<GradientBucket> group_layers(const std::vector<GradientBucket>& layers,
                                         const std::function<double(std::size_t)>& cap);

// Iteration time the schedule predicts for static buckets ("none", "ddp") when each bucket's
// allreduce takes allreduce_time(bytes) and the allreduces run one at a time, each starting at
// max(ready, previous end): iteration = max(compute, end of the last allreduce).
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
