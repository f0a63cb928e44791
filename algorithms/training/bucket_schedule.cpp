#include "algorithms/training/bucket_schedule.h"

#include "algorithms/training/fusion_policy.h"

#include <cmath>

namespace dtsim {

std::pair<std::size_t, std::size_t> BucketSchedule::value_range(double param_begin, double param_end,
                                                                 std::size_t values) const {
  auto at = [&](double param) {
    if (param >= total_params) return values;
    return static_cast<std::size_t>(std::llround(static_cast<double>(values) * param / total_params));
  };
  return {at(param_begin), at(param_end)};
}

std::vector<GradientBucket> group_layers(const std::vector<GradientBucket>& layers,
                                         const std::function<double(std::size_t)>& cap) {
  std::vector<GradientBucket> buckets;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const GradientBucket& l = layers[i];
    const bool open = !buckets.empty() && buckets.back().bytes < cap(buckets.size() - 1);
    if (!open) {
      buckets.push_back(l);
      continue;
    }
    GradientBucket& b = buckets.back();
    b.first_layer = l.first_layer;
    b.param_begin = l.param_begin;
    b.params += l.params;
    b.bytes += l.bytes;
    b.backward_done = l.backward_done;
  }
  return buckets;
}

BucketSchedule make_bucket_schedule(const WorkloadSpec& w) {
  BucketSchedule s;
  // With gradient accumulation only the last micro-batch's backward pass produces the gradients
  // exchanged; everything before it (earlier micro-batches, the last forward) precedes the timeline.
  const double micro_batch = w.compute_time / w.accumulation_steps;
  s.backward_time = w.backward_share > 0 ? micro_batch * w.backward_share : micro_batch - micro_batch / 3;
  s.forward_time = w.compute_time - s.backward_time;
  s.total_params = static_cast<double>(w.params);
  std::vector<LayerProfile> profile = w.layers;
  double params = 0, flops = 0;
  for (const LayerProfile& l : profile) params += l.params, flops += l.flops;
  if (profile.empty() || params <= 0) profile = {{s.total_params, 1}};  // no profile: the model is one layer
  if (flops <= 0)
    for (LayerProfile& l : profile) l.flops = l.params;  // no FLOPs: backward time follows the parameters
  params = flops = 0;
  for (const LayerProfile& l : profile) params += l.params, flops += l.flops;

  std::vector<double> begin(profile.size());  // each layer's offset in the forward-order vector
  double offset = 0;
  for (std::size_t i = 0; i < profile.size(); ++i) {
    begin[i] = offset;
    offset += profile[i].params * s.total_params / params;
  }
  double done_flops = 0;
  for (std::size_t i = profile.size(); i-- > 0;) {
    GradientBucket l;
    l.first_layer = l.last_layer = i;
    l.params = profile[i].params * s.total_params / params;
    l.bytes = l.params * w.bytes_per_param;
    l.param_begin = i == 0 ? 0 : begin[i];
    l.param_end = i + 1 == profile.size() ? s.total_params : begin[i + 1];
    done_flops += profile[i].flops;
    l.backward_done = i == 0 ? s.backward_time : s.backward_time * done_flops / flops;
    s.layers.push_back(l);
  }

  s.buckets = make_fusion_policy(w.fusion)->buckets(s.layers);
  return s;
}

}  // namespace dtsim
