// The fast ring's one-flow form (fast::ring_sends_one_flow): where the ring's flows start together and
// keep their rates, each rank sends both phases' bytes in one flow and meets the group once. Checked
// against the two-phase form on the same platform (a network.overrides entry that changes nothing
// routes the run through the two-phase code) and the closed form: the same iteration times with even
// and uneven chunks, the same bytes, and transfer time shorter by exactly the one route latency the
// second flow paid.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "algorithms/collectives/fast.h"
#include "sim/engine/load_scenario.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

constexpr double kBandwidth = 3.125e9;  // bytes/s, 25 Gbps
constexpr double kLatency = 5e-6;       // per link: a route crosses two

json ring_scenario(int p, double bytes) {
  json s = dtsim::test::base_scenario(p);
  s["network"]["bandwidth"] = kBandwidth;
  s["network"]["latency"] = kLatency;
  s["network"]["fidelity"] = "fast";
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", "2ms"}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  s["run"] = {{"iterations", 4}, {"warmup_iterations", 1}};
  return s;
}

bool one_flow(const json& document) {
  const dtsim::ScenarioResult read = dtsim::read_scenario(document);
  REQUIRE(read.ok());
  return dtsim::fast::ring_platform_allows_one_flow(read.scenario);
}

struct OneAndTwo {
  json one, two;  // simulate()'s summaries: one flow, two phases
};

// Simulates `single` (where the one-flow form applies) and its twin with a no-op link override, which
// sends the same run through the two-phase form.
OneAndTwo simulate_both_forms(const json& single) {
  json two_phases = single;
  two_phases["network"]["overrides"] = json::array({{{"node", 0}, {"bandwidth", kBandwidth}}});
  REQUIRE(one_flow(single));
  REQUIRE(!one_flow(two_phases));
  return {dtsim::test::simulate(single), dtsim::test::simulate(two_phases)};
}

// Every iteration of the two forms takes as long, to `units` (seconds of a few chunk units' transfer,
// where uneven chunks let the forms end on different flows) plus rounding.
void check_same_iterations(const OneAndTwo& runs, double units) {
  REQUIRE(runs.one["rows"].size() == runs.two["rows"].size());
  for (std::size_t k = 0; k < runs.one["rows"].size(); ++k) {
    const double one = runs.one["rows"][k]["iteration_time"].get<double>();
    const double two = runs.two["rows"][k]["iteration_time"].get<double>();
    CHECK(std::abs(one - two) <= units + 1e-12 * two);
  }
}

// Real values through `collective` on `nodes` machines of 4 GPUs: both forms end at the same
// parameters, bit for bit, and the one-flow form ran (less transfer time).
void check_same_parameters(const char* collective, int nodes, int nics, double intra_bandwidth) {
  json s = dtsim::test::base_scenario(nodes);
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["nics_per_node"] = nics;
  s["network"]["intra_node"] = {{"bandwidth", intra_bandwidth}, {"latency", 1e-6}};
  s["network"]["fidelity"] = "fast";
  s["workload"] = dtsim::test::least_squares_workload(8, 16, 1.0, 0.05);
  s["algorithm"] = {{"name", "allreduce"}, {"collective", collective}};
  s["run"] = {{"iterations", 10}, {"warmup_iterations", 1}};
  const OneAndTwo values = simulate_both_forms(s);
  INFO(collective);
  CHECK(values.one["final_params"] == values.two["final_params"]);
  CHECK(values.one["comm_time_s"].get<double>() < values.two["comm_time_s"].get<double>());
}

}  // namespace

TEST_CASE("fast ring: one flow per rank where flows never contend gives the two phases' times") {
  for (int p : {2, 3, 8})
    for (double bytes : {960.0 * 1000, 1000003.0}) {
      const OneAndTwo runs = simulate_both_forms(ring_scenario(p, bytes));
      const json& a = runs.one;  // (references, not structured bindings: clang's C++17 INFO lambdas)
      const json& b = runs.two;
      INFO("p=" << p << " n=" << bytes << " one flow " << a["iteration_time_s"] << " two phases "
                << b["iteration_time_s"]);
      // Every iteration takes as long (rounding aside: the latencies are summed in another order). With
      // uneven chunks the two phases end when the largest flow does, each n minus the smallest chunk,
      // and the one flow when the largest sum of two phases does: one unit (a byte here) apart at most,
      // and SimGrid ends flows of a few bytes' difference together (its completion precision): a few
      // units' transfer time (1.3 ns at 25 Gbps) is allowed there.
      const double uneven = std::fmod(bytes, p) == 0 ? 0 : 4 / kBandwidth;
      check_same_iterations(runs, uneven);
      // The closed form: the compute, then 2(p-1) alpha + (2n - the two smallest chunks) beta.
      const double units = bytes, q = std::floor(units / p), r = units - q * p;
      const double smallest_pair = p == 2 ? 2 * q + r : 2 * q + (r > p - 2 ? 1 : 0);
      const double expected = 2e-3 + 2 * (p - 1) * 2 * kLatency + (2 * bytes - smallest_pair) / kBandwidth;
      CHECK(std::abs(a["iteration_time_s"].get<double>() - expected) <= uneven + 1e-9 * expected);
      CHECK(std::abs(a["comm_span_s"].get<double>() - b["comm_span_s"].get<double>()) <= uneven + 1e-15);
      CHECK(a["wait_time_s"]["mean"].get<double>() == 0);
      CHECK(a["bytes_sent_per_rank_per_iteration"].get<double>() == b["bytes_sent_per_rank_per_iteration"].get<double>());
      // One transfer instead of two: one route latency (2 x 5 us) less time with a transfer in flight.
      const double saved = b["comm_time_s"].get<double>() - a["comm_time_s"].get<double>();
      CHECK(std::abs(saved - 2 * kLatency) <= 1e-9);
    }
}

// Hierarchical on 4 machines of 4 GPUs: its inner rings (one GPU per machine, four rings through each
// NIC) send one flow, and so does each machine's ring (its reduce-scatter and allgather together); a
// flat ring over the same machines (several members per machine) keeps its two phases.
TEST_CASE("fast ring: hierarchical's rings send one flow each, a flat ring on multi-GPU machines two") {
  for (double bytes : {960.0 * 1000, 1000003.0}) {
    json single = ring_scenario(4, bytes);
    single["cluster"]["gpus_per_node"] = 4;
    single["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}};
    single["algorithm"]["collective"] = "hierarchical";
    const OneAndTwo runs = simulate_both_forms(single);
    const json& a = runs.one;
    const json& b = runs.two;
    INFO("n=" << bytes << " one flow " << a["iteration_time_s"] << " two phases " << b["iteration_time_s"]);
    const double uneven = std::fmod(bytes, 16) == 0 ? 0 : 16 / kBandwidth;  // a few units per ring
    check_same_iterations(runs, uneven);
    // The inner ring's second flow paid one route latency across machines (GPU link, NIC, NIC, GPU
    // link), the machine's ring's second flow one inside the machine (two GPU links).
    const double saved = b["comm_time_s"].get<double>() - a["comm_time_s"].get<double>();
    CHECK(std::abs(saved - (2 * 1e-6 + 2 * kLatency + 2 * 1e-6)) <= uneven + 1e-9);
    CHECK(std::abs(a["comm_span_s"].get<double>() - b["comm_span_s"].get<double>()) <= uneven + 1e-15);

    json flat = single;
    flat["algorithm"]["collective"] = "ring";
    const OneAndTwo flat_runs = simulate_both_forms(flat);
    CHECK(flat_runs.one["comm_time_s"].get<double>() ==
          doctest::Approx(flat_runs.two["comm_time_s"].get<double>()).epsilon(1e-12));
  }
}

// The one-flow hierarchical allreduce sums machine by machine, in the order of the three phases: real
// values give the same parameters, bit for bit. With two NICs per machine (rings inside a machine that
// cross its NVLink hub) and on PCIe machines the times agree too.
TEST_CASE("fast ring: hierarchical's one-flow form gives the three phases' parameters and times") {
  check_same_parameters("hierarchical", 3, 1, 50e9);

  for (int nics : {1, 2})
    for (const char* kind : {"nvlink", "pcie"}) {
      json s = ring_scenario(3, 1000003.0);
      s["cluster"]["gpus_per_node"] = 4;
      s["network"]["nics_per_node"] = nics;
      s["network"]["intra_node"] = {{"bandwidth", 50e9}, {"latency", 1e-6}, {"kind", kind}};
      s["algorithm"]["collective"] = "hierarchical";
      const OneAndTwo runs = simulate_both_forms(s);
      const json& a = runs.one;
      const json& b = runs.two;
      INFO("nics=" << nics << " kind=" << std::string(kind) << " one flow " << a["iteration_time_s"] << " two phases "
                   << b["iteration_time_s"]);
      check_same_iterations(runs, 16 / kBandwidth);
    }
}

// NCCL's rings (nccl_ring) over several NICs: where a GPU's link is at least c times a NIC's, each pair's
// flow carries both phases and the group meets once; the same times and parameters as the two phases,
// one crossing route latency less transfer time. Below that ratio the two phases stay.
TEST_CASE("fast ring: nccl_ring's rings send one flow per pair where a crossing bounds every phase") {
  for (int nics : {2, 4, 8})
    for (double bytes : {4.0 * 8 * 3 * 8 * 1000, 1000003.0}) {
      json s = ring_scenario(3, bytes);
      s["cluster"]["gpus_per_node"] = 8;
      s["network"]["nics_per_node"] = nics;
      s["network"]["intra_node"] = {{"bandwidth", 8 * kBandwidth}, {"latency", 1e-6}};  // exactly c x NIC at c = 8
      s["algorithm"]["collective"] = "nccl_ring";
      const OneAndTwo runs = simulate_both_forms(s);
      const json& a = runs.one;
      const json& b = runs.two;
      INFO("nics=" << nics << " n=" << bytes << " one flow " << a["iteration_time_s"] << " two phases "
                   << b["iteration_time_s"]);
      const double uneven = 64 / kBandwidth;  // a few units per ring
      check_same_iterations(runs, uneven);
      CHECK(std::abs(a["comm_span_s"].get<double>() - b["comm_span_s"].get<double>()) <= uneven + 1e-15);
      // Each pair's second flow is gone: a GPU that sends or receives a ring's crossing has a transfer
      // in flight one crossing route latency (GPU path, NIC, NIC, GPU path) less, the others one
      // NVLink route latency (two GPU links) less. A machine has 2c such GPUs (exits j g/c - 1 and
      // entries j g/c), all 8 from c = 4 on.
      const double crossing_gpus = std::min(8, 2 * nics);
      const double expected = (crossing_gpus * (2 * 1e-6 + 2 * kLatency) + (8 - crossing_gpus) * 2 * 1e-6) / 8;
      const double saved = b["comm_time_s"].get<double>() - a["comm_time_s"].get<double>();
      CHECK(std::abs(saved - expected) <= uneven + 1e-9);
    }
  // Real values: the same sums (the meeting's, in group order) and so the same parameters.
  check_same_parameters("nccl_ring", 2, 2, 300e9);

  // A GPU link slower than c NICs together (or PCIe machines, whose GPUs share one link with their
  // NIC traffic): the two phases, so the same transfer time with and without the no-op override.
  for (const char* kind : {"nvlink", "pcie"}) {
    json slow = ring_scenario(3, 1000003.0);
    slow["cluster"]["gpus_per_node"] = 8;
    slow["network"]["nics_per_node"] = 4;
    slow["network"]["intra_node"] = {{"bandwidth", std::string(kind) == "pcie" ? 50e9 : 3 * kBandwidth},
                                     {"latency", 1e-6}, {"kind", kind}};
    slow["algorithm"]["collective"] = "nccl_ring";
    const OneAndTwo runs = simulate_both_forms(slow);
    INFO(kind);
    CHECK(runs.one["comm_time_s"].get<double>() == runs.two["comm_time_s"].get<double>());
  }
}

TEST_CASE("fast ring: the one-flow form is kept to platforms where ring flows start together and cannot share a link") {
  const json base = ring_scenario(4, 960.0 * 1000);
  CHECK(one_flow(base));
  json s = base;
  s["network"]["topology"] = "fat_tree";
  s["network"]["fat_tree"] = {{"down", {2, 2}}, {"up", {1, 2}}, {"links", {1, 1}}};
  CHECK(!one_flow(s));
  s = base;
  s["network"]["model"] = "tcp";  // a latency factor per message: one flow would pay it once
  CHECK(!one_flow(s));
  s = base;
  s["workload"]["overlap_slowdown"] = 0.2;  // compute slows while a transfer is in flight
  CHECK(!one_flow(s));
  s = base;
  s["stragglers"]["network_jitter"] = {{"sigma", 0.1}, {"period", "1ms"}};  // link rates redrawn during flows
  CHECK(!one_flow(s));
  s = base;
  // A slow rank: its neighbours' incoming and outgoing flows start at different instants.
  s["stragglers"]["rank_factors"] = {{{"ranks", {1}}, {"factor", 1.5}}};
  CHECK(!one_flow(s));
}
