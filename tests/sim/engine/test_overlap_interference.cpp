// workload.overlap_slowdown against hand-computed timelines: compute slows by 1 + s exactly while a
// transfer of its endpoint is in flight, on both the sending and the receiving side, and not at all
// when nothing overlaps.
#include <doctest/doctest.h>

#include <cmath>

#include <simgrid/s4u.hpp>

#include "sim/app/child_process.h"
#include "sim/engine/overlap_interference.h"
#include "sim/engine/rank_context.h"
#include "sim/engine/simgrid_setup.h"
#include "sim/plugin/physical_topology.h"
#include "tests/support/test_support.h"

namespace sg4 = simgrid::s4u;
using nlohmann::json;

namespace {

// Two GPUs on a 10 Gbps switch with 2 us links (exact model): a message of b bytes takes
// 4 us + b / 1.25e9 s, so 4,995,000 bytes take 4 ms.
constexpr double kBytes = 4995000, kTransfer = 4e-3;

// Rank 0 posts a send at 0 and computes `compute0`; rank 1 sleeps 3 ms, posts the receive (the
// transfer runs from 3 to 7 ms) and computes `compute1`. Returns when each compute and wait ended.
json timeline(double slowdown, double compute0, double compute1) {
  return dtsim::run_in_child_process([=] {
    json doc = dtsim::test::base_scenario(2);
    doc["workload"]["overlap_slowdown"] = slowdown;
    dtsim::ScenarioResult read = dtsim::read_scenario(doc);
    if (!read.ok()) throw std::runtime_error(read.errors.front());
    const dtsim::Scenario& s = read.scenario;
    auto engine = dtsim::start_simgrid("overlap-test", s);
    dtsim::Recorder recorder(false);
    dtsim::Cluster cluster{s, {}, 2, recorder};
    cluster.hosts = dtsim::PhysicalTopologyRegistry::create(s.network.topology, s.network.topology_options)->build(s, 0);
    std::unique_ptr<dtsim::OverlapInterference> interference;
    if (slowdown > 0) {
      interference = std::make_unique<dtsim::OverlapInterference>(slowdown, cluster.hosts);
      cluster.interference = interference.get();
    }
    json out;
    sg4::Actor::create("rank0", cluster.hosts[0], [&] {
      dtsim::RankContext ctx(cluster, 0);
      auto send = ctx.isend(1, dtsim::Message{kBytes, {}});
      ctx.compute(compute0);
      out["compute0_end"] = ctx.now();
      ctx.wait(send);
      out["wait0_end"] = ctx.now();
    });
    sg4::Actor::create("rank1", cluster.hosts[1], [&] {
      dtsim::RankContext ctx(cluster, 1);
      sg4::this_actor::sleep_for(3e-3);
      auto recv = ctx.irecv(0);
      ctx.compute(compute1);
      out["compute1_end"] = ctx.now();
      ctx.wait(recv);
      out["wait1_end"] = ctx.now();
    });
    engine->run();
    return out;
  });
}

double at(const json& r, const char* key) {
  INFO(r.dump());
  REQUIRE(r.contains(key));
  return r[key].get<double>();
}

}  // namespace

TEST_CASE("overlap_slowdown: compute of 10 ms with a transfer in flight for 4 ms of it, s = 0.5") {
  // Rank 0: 3 ms at full speed, 4 ms at 1/1.5 (2.667 ms of work), the last 4.333 ms at full speed:
  // ends at 10 + 4 x 0.5/1.5 = 11.333 ms. Rank 1 computes 2 ms inside the transfer: 3 + 2 x 1.5 = 6 ms,
  // then waits for the transfer's end at 7 ms.
  const json r = timeline(0.5, 10e-3, 2e-3);
  const double tol = 1e-12;
  CHECK(std::abs(at(r, "compute0_end") - (10e-3 + kTransfer * 0.5 / 1.5)) <= tol);
  CHECK(std::abs(at(r, "wait0_end") - at(r, "compute0_end")) <= tol);  // the send ended at 7 ms
  CHECK(std::abs(at(r, "compute1_end") - 6e-3) <= tol);
  CHECK(std::abs(at(r, "wait1_end") - (3e-3 + kTransfer)) <= tol);
}

TEST_CASE("overlap_slowdown: 0 is perfect overlap, and compute outside any transfer is not slowed") {
  const json exact = timeline(0, 10e-3, 2e-3);
  CHECK(std::abs(at(exact, "compute0_end") - 10e-3) <= 1e-12);
  CHECK(std::abs(at(exact, "compute1_end") - 5e-3) <= 1e-12);
  // Rank 0 computes 2 ms, before the transfer starts at 3 ms: nothing overlaps, nothing slows.
  const json before = timeline(0.5, 2e-3, 0);
  CHECK(std::abs(at(before, "compute0_end") - 2e-3) <= 1e-12);
  CHECK(std::abs(at(before, "wait0_end") - (3e-3 + kTransfer)) <= 1e-12);
}

TEST_CASE("overlap_slowdown: a run whose compute never overlaps its allreduce is unchanged, bucketed runs slow down") {
  json s = dtsim::test::base_scenario(4);
  json plain = dtsim::test::simulate(s);
  s["workload"]["overlap_slowdown"] = 0.4;
  json slowed = dtsim::test::simulate(s);
  CHECK(slowed["iteration_time_s"].get<double>() == doctest::Approx(plain["iteration_time_s"].get<double>()).epsilon(1e-12));
  // With buckets the backward pass overlaps the allreduces and pays for it, but never more than 1.4x
  // the overlapped compute. (A fast network, so that the last bucket waits for the backward pass.)
  s["network"]["bandwidth"] = "100Gbps";
  s["workload"] = {{"model", "resnet50"}, {"fusion", {{"policy", "ddp"}, {"bucket_cap", "25MB"}}}, {"compute_time", "100ms"}};
  s["workload"]["overlap_slowdown"] = 0.0;
  json buckets = dtsim::test::simulate(s);
  s["workload"]["overlap_slowdown"] = 0.4;
  json buckets_slowed = dtsim::test::simulate(s);
  const double t0 = buckets["iteration_time_s"].get<double>(), t1 = buckets_slowed["iteration_time_s"].get<double>();
  INFO("bucketed iteration " << t0 << " s without, " << t1 << " s with slowdown 0.4");
  CHECK(t1 > t0 * (1 + 1e-6));
  CHECK(t1 <= t0 + 0.4 * 100e-3 + 1e-9);
}

TEST_CASE("overlap_slowdown: parameter-server runs are unchanged (server transfers are not tracked) and end cleanly") {
  json s = dtsim::test::base_scenario(4);
  s["algorithm"] = {{"name", "parameter_server"}, {"servers", 1}};
  json plain = dtsim::test::simulate(s);
  s["workload"]["overlap_slowdown"] = 0.3;
  json slowed = dtsim::test::simulate(s);
  REQUIRE_FALSE(slowed.contains("error"));
  CHECK(slowed["iteration_time_s"].get<double>() == doctest::Approx(plain["iteration_time_s"].get<double>()).epsilon(1e-12));
}
