// No fusion: one allreduce of the whole gradient once the backward pass ends (no overlap).
#include <cmath>

#include "algorithms/training/fusion_policy.h"

namespace dtsim {
namespace {

class NoFusion : public FusionPolicy {
 public:
  std::vector<GradientBucket> buckets(const std::vector<GradientBucket>& layers) const override {
    return group_layers(layers, [](std::size_t) { return INFINITY; });
  }
};

const bool registered_none = FusionPolicyRegistry::add(
    {"none", "one allreduce of the whole gradient after the backward pass (no overlap)", {}},
    [](const OptionValues&) { return std::make_unique<NoFusion>(); });

}  // namespace
}  // namespace dtsim
