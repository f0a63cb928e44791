#include "algorithms/training/bucket_schedule.h"

#include <cmath>
#include <numeric>

namespace dtsim {

std::pair<std::size_t, std::size_t> BucketSchedule::value_range(std::size_t k, std::size_t values) const {
  const GradientBucket& b = buckets.at(k);
  auto at = [&](double param) {
    if (param >= total_params) return values;
    return static_cast<std::size_t>(std::llround(static_cast<double>(values) * param / total_params));
  };
  return {at(b.param_begin), at(b.param_end)};
}

BucketSchedule make_bucket_schedule(const WorkloadSpec& w) {
  BucketSchedule s;
  s.forward_time = w.compute_time / 3;
  s.backward_time = w.compute_time - s.forward_time;
  s.total_params = static_cast<double>(w.params);
  std::vector<double> layers;
  const double profile = std::accumulate(w.layers.begin(), w.layers.end(), 0.0);
  if (profile > 0) {
    for (std::int64_t n : w.layers) layers.push_back(static_cast<double>(n) * s.total_params / profile);
  } else {
    layers.push_back(s.total_params);  // no profile: the model is one layer
  }
  std::vector<double> begin(layers.size());  // each layer's offset in the forward-order vector
  double offset = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    begin[i] = offset;
    offset += layers[i];
  }
  const double threshold = w.bucket_size > 0 ? w.bucket_size : INFINITY;  // 0: a single bucket
  GradientBucket current;
  bool open = false;
  double done = 0;  // parameters whose gradients are ready
  for (std::size_t i = layers.size(); i-- > 0;) {
    if (!open) {
      current = GradientBucket{};
      current.last_layer = i;
      current.param_end = begin[i] + layers[i];
      open = true;
    }
    current.first_layer = i;
    current.param_begin = begin[i];
    current.params += layers[i];
    done += layers[i];
    current.bytes = current.params * w.bytes_per_param;
    if (current.bytes >= threshold || i == 0) {
      // Ready once the backward pass has covered every layer from the last down to first_layer.
      current.backward_done = i == 0 ? s.backward_time : s.backward_time * done / s.total_params;
      if (i == 0) current.param_begin = 0;
      s.buckets.push_back(current);
      open = false;
    }
  }
  return s;
}

}  // namespace dtsim
