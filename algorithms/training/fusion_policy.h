// Gradient fusion policies (workload.fusion.policy): how the gradients of the backward pass are grouped
// into allreduces. Each policy lives in its own file (algorithms/training/fusion/) and registers by
// name with the /workload/fusion keys it owns.
//
// Horovod tensor fusion (workload.fusion.policy "horovod"; Sergeev & Del Balso, Horovod: fast and
// easy distributed deep learning in TensorFlow, 2018; Horovod docs, tensor-fusion.rst). A background
// loop on every rank starts a cycle every cycle_time, or as soon as the previous cycle's allreduces
// end if they took longer; in each cycle the coordinator (rank 0) takes every gradient that all ranks
// have ready and not yet reduced, in backward order, and fuses consecutive ones into allreduces of at
// most `threshold` bytes (a larger gradient goes alone), run one after another. Negotiation messages
// are not charged (they are small). Here the loop starts with each iteration on rank 0's clock.
#pragma once
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "algorithms/training/bucket_schedule.h"
#include "sim/base/registry.h"

namespace dtsim {

// Fusion decided at run time (Horovod): every cycle_time, the gradients ready on every rank are fused
// into allreduces of at most threshold bytes.
struct RuntimeFusion {
  double threshold = 0;   // bytes
  double cycle_time = 0;  // s
};

class FusionPolicy {
 public:
  static constexpr const char* family = "fusion";  // /workload/fusion/policy
  virtual ~FusionPolicy() = default;
  // The allreduce units in issue order, from the layers in backward (ready) order.
  virtual std::vector<GradientBucket> buckets(const std::vector<GradientBucket>& layers) const = 0;
  // Set when the units are fused at run time (the engine's ranks negotiate); nullopt: static buckets.
  virtual std::optional<RuntimeFusion> runtime() const { return std::nullopt; }
};

using FusionPolicyRegistry = Registry<FusionPolicy>;

// The policy a workload names, with its options.
std::unique_ptr<FusionPolicy> make_fusion_policy(const FusionSpec& fusion);

// Units [begin, end) of BucketSchedule::buckets (backward order) fused into one allreduce.
struct FusedGroup {
  std::size_t begin = 0, end = 0;
  double bytes = 0;
};

// Units [from, to) fused greedily in order into groups of at most threshold bytes.
std::vector<FusedGroup> fuse_ready(const BucketSchedule& s, std::size_t from, std::size_t to, double threshold);
// The slice [param_begin, param_end) of the forward-order parameter vector a group carries.
std::pair<double, double> group_params(const BucketSchedule& s, const FusedGroup& g);

struct HorovodStep {
  FusedGroup group;
  double start = 0, end = 0;  // from the start of the iteration
};

// Horovod's loop on the schedule's timeline when every rank computes alike and an allreduce of b bytes
// takes allreduce_time(b): cycle n starts at t_n (t_0 = 0, the iteration start), t_{n+1} = max(t_n +
// cycle_time, end of cycle n's allreduces). The iteration ends at max(compute, last end).
template <typename AllreduceTime>
std::vector<HorovodStep> horovod_timeline(const BucketSchedule& s, double threshold, double cycle_time,
                                          AllreduceTime allreduce_time) {
  std::vector<HorovodStep> steps;
  const std::size_t n = s.buckets.size();
  std::size_t next = 0;
  double t = 0;
  while (next < n) {
    std::size_t ready = next;
    while (ready < n && s.forward_time + s.buckets[ready].backward_done <= t) ++ready;
    double end = t;
    for (const FusedGroup& g : fuse_ready(s, next, ready, threshold)) {
      steps.push_back({g, end, end + allreduce_time(g.bytes)});
      end = steps.back().end;
    }
    next = ready;
    t = end > t + cycle_time ? end : t + cycle_time;
  }
  return steps;
}

}  // namespace dtsim
