#include "algorithms/training/fusion_policy.h"

namespace dtsim {

std::unique_ptr<FusionPolicy> make_fusion_policy(const FusionSpec& fusion) {
  return FusionPolicyRegistry::create(fusion.policy, fusion.options);
}

std::vector<FusedGroup> fuse_ready(const BucketSchedule& s, std::size_t from, std::size_t to, double threshold) {
  std::vector<FusedGroup> groups;
  for (std::size_t k = from; k < to; ++k) {
    const double bytes = s.buckets[k].bytes;
    if (groups.empty() || groups.back().bytes + bytes > threshold) {
      groups.push_back({k, k + 1, bytes});
    } else {
      groups.back().end = k + 1;
      groups.back().bytes += bytes;
    }
  }
  return groups;
}

std::pair<double, double> group_params(const BucketSchedule& s, const FusedGroup& g) {
  // Backward order: the group's last unit holds its lowest parameters, its first unit the highest.
  return {s.buckets[g.end - 1].param_begin, s.buckets[g.begin].param_end};
}

}  // namespace dtsim
