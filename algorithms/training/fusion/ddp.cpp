// PyTorch DDP gradient buckets: static buckets in reverse layer order, each allreduced once all its
// gradients are ready. Defaults are PyTorch's own: bucket_cap_mb=25 (25 MiB buckets) and a first
// bucket of 1 MiB (torch.distributed's _DEFAULT_FIRST_BUCKET_BYTES); PyTorch docs,
// torch.nn.parallel.DistributedDataParallel; Li et al., PyTorch Distributed: Experiences on
// Accelerating Data Parallel Training, VLDB 2020.
#include "algorithms/training/fusion_policy.h"

namespace dtsim {
namespace {

class Ddp : public FusionPolicy {
 public:
  Ddp(double first_bucket, double bucket_cap) : first_bucket_(first_bucket), bucket_cap_(bucket_cap) {}
  std::vector<GradientBucket> buckets(const std::vector<GradientBucket>& layers) const override {
    return group_layers(layers, [this](std::size_t k) { return k == 0 ? first_bucket_ : bucket_cap_; });
  }

 private:
  double first_bucket_, bucket_cap_;  // bytes: a bucket closes once it holds at least this much
};

const bool registered_ddp = FusionPolicyRegistry::add(
    {"ddp",
     "PyTorch DDP: static buckets in reverse layer order, each allreduced once all its gradients are ready "
     "(Li et al., VLDB 2020)",
     {Option::size("bucket_cap", std::string("25MiB"), "PyTorch DDP bucket_cap_mb (default 25 MiB)."),
      Option::size("first_bucket", std::string("1MiB"), "Cap of the first bucket (default 1 MiB).")}},
    [](const OptionValues& o) { return std::make_unique<Ddp>(o.number("first_bucket"), o.number("bucket_cap")); });

}  // namespace
}  // namespace dtsim
