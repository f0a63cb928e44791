// Horovod tensor fusion: one unit per layer, fused at run time (fusion_policy.h has the cycle model).
// Defaults are Horovod's own since 0.21.0: HOROVOD_FUSION_THRESHOLD 128 MiB and HOROVOD_CYCLE_TIME
// 1 ms (64 MiB and 5 ms before; Horovod docs, tensor-fusion.rst, and its 0.21.0 release notes);
// Sergeev & Del Balso, Horovod: fast and easy distributed deep learning in TensorFlow, 2018.
#include "algorithms/training/fusion_policy.h"

namespace dtsim {
namespace {

class Horovod : public FusionPolicy {
 public:
  explicit Horovod(RuntimeFusion fusion) : fusion_(fusion) {}
  std::vector<GradientBucket> buckets(const std::vector<GradientBucket>& layers) const override { return layers; }
  std::optional<RuntimeFusion> runtime() const override { return fusion_; }

 private:
  RuntimeFusion fusion_;
};

Option cycle_time() {
  Option o = Option::duration("cycle_time", std::string("1ms"), "HOROVOD_CYCLE_TIME (default 1 ms).");
  o.min_exclusive = true;  // a cycle of 0 s would never advance the loop
  return o;
}

const bool registered_horovod = FusionPolicyRegistry::add(
    {"horovod",
     "Horovod tensor fusion: every cycle, the gradients ready on every rank are fused into allreduces of at most "
     "threshold bytes (Sergeev & Del Balso 2018)",
     {Option::size("threshold", std::string("128MiB"), "HOROVOD_FUSION_THRESHOLD (default 128 MiB)."), cycle_time()}},
    [](const OptionValues& o) {
      return std::make_unique<Horovod>(RuntimeFusion{o.number("threshold"), o.number("cycle_time")});
    });

}  // namespace
}  // namespace dtsim
