// /workload/fusion: each policy (algorithms/training/fusion/) owns its keys, with the frameworks'
// defaults; a key of another policy is rejected with its path; the policies group the layers.
#include <doctest/doctest.h>

#include <cmath>

#include "algorithms/training/fusion_policy.h"
#include "sim/engine/load_scenario.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

dtsim::ScenarioResult with_fusion(const json& fusion) {
  json s = dtsim::test::base_scenario(2);
  s["workload"]["fusion"] = fusion;
  return dtsim::parse_scenario(s);
}

// Four layers of 400, 1200, 800, 1600 bytes in backward order (the last layer first).
std::vector<dtsim::GradientBucket> layers() {
  std::vector<dtsim::GradientBucket> out;
  for (double bytes : {1600.0, 800.0, 1200.0, 400.0}) {
    dtsim::GradientBucket b;
    b.bytes = bytes;
    out.push_back(b);
  }
  return out;
}

}  // namespace

TEST_CASE("fusion options: PyTorch's and Horovod's defaults, in bytes and seconds") {
  dtsim::ScenarioResult r = with_fusion({{"policy", "ddp"}});
  REQUIRE(r.ok());
  CHECK(r.scenario.workload.fusion.options.number("bucket_cap") == 25.0 * 1048576);
  CHECK(r.scenario.workload.fusion.options.number("first_bucket") == 1048576.0);
  r = with_fusion({{"policy", "horovod"}});
  REQUIRE(r.ok());
  const dtsim::RuntimeFusion h = *dtsim::make_fusion_policy(r.scenario.workload.fusion)->runtime();
  CHECK(h.threshold == 128.0 * 1048576);
  CHECK(h.cycle_time == doctest::Approx(1e-3).epsilon(1e-15));
  r = with_fusion(json::object());
  REQUIRE(r.ok());
  CHECK(r.scenario.workload.fusion.policy == "none");
  CHECK_FALSE(r.scenario.workload.fusion.overlaps());
}

TEST_CASE("fusion options: a key of another policy is rejected with its path") {
  dtsim::ScenarioResult r = with_fusion({{"policy", "ddp"}, {"threshold", "64MiB"}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "/workload/fusion/threshold: is only meaningful for \"horovod\"; remove it for \"ddp\"");
  r = with_fusion({{"policy", "none"}, {"bucket_cap", "25MiB"}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "/workload/fusion/bucket_cap: is only meaningful for \"ddp\"; remove it for \"none\"");
  r = with_fusion({{"policy", "horovod"}, {"cycle_time", 0}});
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].rfind("/workload/fusion/cycle_time: 0 ", 0) == 0);
  r = with_fusion({{"policy", "nccl"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].rfind("/workload/fusion/policy: \"nccl\" is not allowed; allowed: \"ddp\", \"horovod\", \"none\"", 0) == 0);
}

TEST_CASE("fusion policies group the layers: none one bucket, ddp by caps, horovod one unit per layer") {
  auto make = [](const std::string& policy, const json& options) {
    dtsim::FusionSpec f;
    f.policy = policy;
    f.options = dtsim::OptionValues(options);
    return dtsim::make_fusion_policy(f);
  };
  const auto none = make("none", json::object())->buckets(layers());
  REQUIRE(none.size() == 1);
  CHECK(none[0].bytes == 4000);
  // first bucket closes at >= 1000 B (1600), then >= 2000 B (800 + 1200), then the rest (400).
  const auto ddp = make("ddp", {{"first_bucket", 1000}, {"bucket_cap", 2000}})->buckets(layers());
  REQUIRE(ddp.size() == 3);
  CHECK(ddp[0].bytes == 1600);
  CHECK(ddp[1].bytes == 2000);
  CHECK(ddp[2].bytes == 400);
  CHECK_FALSE(make("ddp", {{"first_bucket", 1000}, {"bucket_cap", 2000}})->runtime());
  const auto horovod = make("horovod", {{"threshold", 1e6}, {"cycle_time", 1e-3}});
  CHECK(horovod->buckets(layers()).size() == 4);
  REQUIRE(horovod->runtime());
  CHECK(horovod->runtime()->threshold == 1e6);
}
