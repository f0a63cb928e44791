// NCCL's rings (nccl_ring): one ring per NIC, each leaving every machine through its own NIC. On
// machines whose NICs bound every step it moves the ring's 2(p-1)/p n bytes through all of a machine's
// NICs together: the same time as a flat ring through one NIC of their summed rate, and the closed
// form 2(p-1)(alpha + n beta / (c p)). Values are reduced exactly; on one NIC it is the plain ring.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "sim/scenario/network_profile.h"
#include "tests/algorithms/collectives/collective_test_support.h"
#include "tests/support/test_support.h"

namespace {

constexpr double kNic = 25e9;          // bytes/s per NIC
constexpr double kLinkLatency = 5e-6;  // per link: a route between machines crosses two

// `nodes` machines of `g` GPUs with `nics` NICs of `nic_bandwidth` each; NVLink far faster than the
// NICs (the NIC hop bounds every ring step).
nlohmann::json machines(int nodes, int g, int nics, double nic_bandwidth) {
  nlohmann::json s = dtsim::test::switch_scenario(nodes, nic_bandwidth, kLinkLatency);
  s["cluster"]["gpus_per_node"] = g;
  s["network"]["nics_per_node"] = nics;
  s["network"]["intra_node"] = {{"bandwidth", 3000e9}, {"latency", 1e-6}};
  return s;
}

dtsim::test::CollectiveResult run(const nlohmann::json& platform, const char* algorithm, double bytes,
                                  dtsim::Fidelity fidelity, bool check_values = false) {
  dtsim::CollectiveSpec spec;
  spec.algorithm = algorithm;
  spec.bytes = bytes;
  spec.fidelity = fidelity;
  spec.check_values = check_values;
  return dtsim::test::simulate_collective(platform, spec);
}

}  // namespace

TEST_CASE("nccl_ring: a machine's NICs carry the ring together, as one NIC of their summed rate") {
  // Bytes divisible by every c p below, so every chunk is equal; one latency-bound, one bandwidth-bound.
  for (double bytes : {4.0 * 384 * 2731, 4.0 * 384 * 273100})
    for (int nodes : {2, 3})
      for (int nics : {2, 4, 8})
        for (auto fidelity : {dtsim::Fidelity::Step, dtsim::Fidelity::Fast}) {
          const int p = nodes * 8;
          const auto channels = run(machines(nodes, 8, nics, kNic), "nccl_ring", bytes, fidelity);
          const auto aggregated = run(machines(nodes, 8, 1, nics * kNic), "ring", bytes, fidelity);
          const auto one_nic = run(machines(nodes, 8, nics, kNic), "ring", bytes, fidelity);
          // Route between GPUs of two machines: GPU link, NIC link, NIC link, GPU link.
          const double alpha = 2 * kLinkLatency + 2 * 1e-6;
          const double expected = 2.0 * (p - 1) * (alpha + bytes / (nics * p * kNic));
          INFO("nodes=" << nodes << " nics=" << nics << " n=" << bytes << " " << std::string(dtsim::fidelity_name(fidelity))
                        << ": nccl_ring " << channels.time << " s, ring through one NIC of the summed rate "
                        << aggregated.time << " s, closed form " << expected << " s, plain ring " << one_nic.time);
          CHECK(std::abs(channels.time - aggregated.time) <= 1e-9 * aggregated.time);
          CHECK(std::abs(channels.time - expected) <= 1e-9 * expected);
          CHECK(channels.relative_error() <= 1e-9);  // closed_form_on states the same
          // The plain ring crosses every machine through one NIC: slower by about the NIC count.
          CHECK(one_nic.time > 0.9 * nics * channels.time - 2.0 * (p - 1) * alpha * nics);
        }
}

TEST_CASE("nccl_ring: values summed exactly over rings of uneven slices, both fidelities") {
  for (int nics : {2, 4})
    for (auto fidelity : {dtsim::Fidelity::Step, dtsim::Fidelity::Fast})
      for (double bytes : {4.0 * 1001, 4.0 * 37}) {  // slices and chunks of unequal sizes, some empty
        const auto r = run(machines(3, 4, nics, kNic), "nccl_ring", bytes, fidelity, true);
        INFO("nics=" << nics << " n=" << bytes << " " << std::string(dtsim::fidelity_name(fidelity)));
        CHECK(r.checked == 12 * static_cast<long>(bytes / 4));
        CHECK(r.wrong == 0);
      }
}

TEST_CASE("nccl_ring: on one NIC per machine or one GPU per machine it is the plain ring") {
  const double bytes = 4.0 * 100003;
  for (auto fidelity : {dtsim::Fidelity::Step, dtsim::Fidelity::Fast}) {
    const nlohmann::json one_nic = machines(3, 4, 1, kNic);
    CHECK(run(one_nic, "nccl_ring", bytes, fidelity).time == run(one_nic, "ring", bytes, fidelity).time);
    const nlohmann::json one_gpu = dtsim::test::switch_scenario(5, kNic, kLinkLatency);
    CHECK(run(one_gpu, "nccl_ring", bytes, fidelity).time == run(one_gpu, "ring", bytes, fidelity).time);
  }
}

// A calibration round trip on the measured machines: `dtsim calibrate` fits NCCL's ring model
// 2(p-1) alpha + 2(p-1)/p S / beta to a published nccl-tests log of 4 machines of 8 A100 with 8 HDR
// NICs each (the shipped coreweave-a100-hgx-ib profile, beta against the machine's summed NIC rate).
// nccl_ring on those machines, with that profile, gives the fitted model back; the two-level
// allreduce, which moves 2(N-1)/N per machine instead, does not.
TEST_CASE("nccl_ring: a profile fitted on multi-machine nccl-tests gives its fitted model back") {
  dtsim::ErrorList errors;
  const dtsim::NetworkProfile profile = dtsim::load_network_profile("coreweave-a100-hgx-ib", "/network/profile", errors);
  REQUIRE(errors.empty());
  const dtsim::TierCalibration& inter = profile.inter_node;
  REQUIRE(inter.overhead == 0);  // its alpha is below the nominal route latency: messages cost that latency
  nlohmann::json s = machines(4, 8, 8, 200e9 / 8);  // 8 x 200 Gb/s
  s["network"]["profile"] = "coreweave-a100-hgx-ib";
  s["network"]["intra_node"] = {{"bandwidth", 300e9}, {"latency", 1e-6}};  // A100 NVLink 3
  const double alpha = 2 * kLinkLatency + 2 * 1e-6;
  REQUIRE(std::abs(alpha - inter.nominal_latency) <= 1e-12);  // the route calibrate took as nominal
  const int p = 32;
  for (double bytes : {64.0 * (1 << 20), 1024.0 * (1 << 20)})
    for (auto fidelity : {dtsim::Fidelity::Fast, dtsim::Fidelity::Step}) {
      const double fitted = 2.0 * (p - 1) * alpha + 2.0 * (p - 1) / p * bytes / inter.beta;
      const auto rings = run(s, "nccl_ring", bytes, fidelity);
      const auto two_level = run(s, "hierarchical", bytes, fidelity);
      INFO("n=" << bytes << " " << std::string(dtsim::fidelity_name(fidelity)) << ": fitted " << fitted << " s, nccl_ring "
                << rings.time << " s, hierarchical " << two_level.time << " s");
      CHECK(std::abs(rings.time - fitted) <= 1e-6 * fitted);
      CHECK(std::abs(two_level.time - fitted) > 0.05 * fitted);
    }
}

// Fast rings end each phase in a meeting: on machines of several GPUs, the GPUs whose flows cross only
// NVLink do not leave before the slowest hop has delivered their last chunk. With equal compute the
// allreduce's wall span in training is then the collective's own time.
TEST_CASE("fast rings on multi-GPU machines: every rank leaves the allreduce together") {
  for (const char* algorithm : {"ring", "nccl_ring"}) {
    nlohmann::json s = machines(2, 4, 2, kNic);
    s["network"]["fidelity"] = "fast";
    s["workload"] = {{"params", 1000000}, {"bytes_per_param", 4}, {"compute_time", "2ms"}};
    s["algorithm"] = {{"name", "allreduce"}, {"collective", algorithm}};
    s["run"] = {{"iterations", 4}, {"warmup_iterations", 1}};
    const nlohmann::json summary = dtsim::test::simulate(s);
    const auto alone = run(machines(2, 4, 2, kNic), algorithm, 4e6, dtsim::Fidelity::Fast);
    INFO(std::string(algorithm) << ": comm_span_s " << summary["comm_span_s"] << ", the collective alone " << alone.time);
    CHECK(std::abs(summary["comm_span_s"].get<double>() - alone.time) <= 1e-9 * alone.time);
  }
}
