// Elastic training (run.recovery.policy "elastic", sim/engine/job_supervisor_elastic.cpp): after a
// machine fails, the survivors' iterations take the ring's closed form for p-1 ranks; a repaired rank
// joins at a rendezvous of its own and the closed form for p comes back; min_ranks waits for the
// repair; real numerics on Fashion-MNIST still reach the target with failures.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "tests/support/binary_exact_ring.h"
#include "tests/support/test_support.h"

using nlohmann::json;

namespace {

// p ranks, one per machine, on one switch. S = 3 x 2^20 B splits into equal whole-byte chunks over 3 and
// 4 ranks (the ring's chunks are whole bytes), and with B = 2^30 B/s, latency 2^-18 s, compute 2^-6 s
// the closed forms are binary-exact.
constexpr double kBytes = 3145728, kCompute = dtsim::test::kExactCompute;

json ring_job(int p, int iterations) { return dtsim::test::binary_exact_ring_job(p, iterations, kBytes); }
double ring_time(int p) { return dtsim::test::binary_exact_ring_time(p, kBytes); }

double at(const json& rows, int k) { return rows[static_cast<std::size_t>(k)]["iteration_time"].get<double>(); }

}  // namespace

TEST_CASE("elastic: after a machine fails, the survivors' iterations take the closed form for p-1 ranks") {
  const int p = 4, n = 14;
  const double failure_at = 0.14, detection = 0.02, rendezvous = 0.03;
  for (const std::string scaling : {"linear", "constant"}) {
    CAPTURE(scaling);
    json s = ring_job(p, n);
    s["failures"] = {{"events", {{{"at", failure_at}, {"machine", 1}}}}, {"repair_time", "1h"}};
    s["run"]["recovery"] = {{"policy", "elastic"}, {"detection_time", detection}, {"rendezvous_time", rendezvous},
                            {"scaling", scaling}, {"join", "at_failure"}};
    const json r = dtsim::test::simulate(s);
    // By hand: iteration i ends at (i + 1) I_p; the failure strikes iteration k; every rank committed
    // iteration k-1, so the survivors resume from it after detection + rendezvous, and run iterations
    // k..n-1 on p-1 ranks: compute (times p/(p-1) with the global batch kept) + the ring over p-1.
    const double Ip = kCompute + ring_time(p);
    const double Iq = kCompute * (scaling == "constant" ? static_cast<double>(p) / (p - 1) : 1.0) + ring_time(p - 1);
    const int k = static_cast<int>(std::floor(failure_at / Ip));
    const double resume = failure_at + detection + rendezvous;
    const double end = resume + (n - k) * Iq;
    INFO("I_p=" << Ip << " I_(p-1)=" << Iq << " k=" << k << " expected end " << end << " got " << r["sim_time_s"]);
    CHECK(std::abs(r["sim_time_s"].get<double>() - end) <= 1e-9);
    const json& rows = r["rows"];
    REQUIRE(rows.size() == static_cast<std::size_t>(n));
    for (int i = 0; i < k; ++i) CHECK(std::abs(at(rows, i) - Ip) <= 1e-9);
    CHECK(std::abs(at(rows, k) - (resume + Iq - k * Ip)) <= 1e-9);  // carries the stop
    for (int i = k + 1; i < n; ++i) {
      CAPTURE(i);
      CHECK(std::abs(at(rows, i) - Iq) <= 1e-9);
    }
    const json& f = r["failures"];
    CHECK(f["failures_seen"] == 1);
    CHECK(f["interruptions"] == 1);
    CHECK(f["rendezvous"] == 1);
    CHECK(f["final_ranks"] == p - 1);
    CHECK(f["checkpoints_written"] == 0);  // in-memory commits are not checkpoints
    CHECK(std::abs(f["time_lost_s"]["recompute"].get<double>() - (failure_at - k * Ip)) <= 1e-9);
    CHECK(std::abs(f["time_lost_s"]["rendezvous"].get<double>() - (detection + rendezvous)) <= 1e-9);
    CHECK(f["time_lost_s"]["restart"].get<double>() == 0);
  }
}

TEST_CASE("elastic: a repaired machine joins at a rendezvous of its own, and the closed form for p returns") {
  const int p = 4, n = 20;
  const double failure_at = 0.14, detection = 0.02, rendezvous = 0.03, repair = 0.1;
  json s = ring_job(p, n);
  s["failures"] = {{"events", {{{"at", failure_at}, {"machine", 1}}}}, {"repair_time", repair}};
  s["run"]["recovery"] = {{"policy", "elastic"}, {"detection_time", detection}, {"rendezvous_time", rendezvous}};
  const json r = dtsim::test::simulate(s);  // join "at_repair" by default
  const double Ip = kCompute + ring_time(p), Iq = kCompute + ring_time(p - 1);
  const int k = static_cast<int>(std::floor(failure_at / Ip));
  const double resume = failure_at + detection + rendezvous, back = failure_at + repair;
  // On p-1 ranks from iteration k until the repair; iterations finished by then are committed, the
  // one in flight is stopped and run again on p ranks after the join's rendezvous.
  const int done = static_cast<int>(std::floor((back - resume) / Iq));  // iterations k..k+done-1
  REQUIRE(back > resume);
  const double rejoin = back + rendezvous;
  const double end = rejoin + (n - k - done) * Ip;
  INFO("k=" << k << " done on p-1: " << done << " expected end " << end << " got " << r["sim_time_s"]);
  CHECK(std::abs(r["sim_time_s"].get<double>() - end) <= 1e-9);
  const json& rows = r["rows"];
  REQUIRE(rows.size() == static_cast<std::size_t>(n));
  for (int i = k + 1; i < k + done; ++i) CHECK(std::abs(at(rows, i) - Iq) <= 1e-9);
  CHECK(std::abs(at(rows, k + done) - (rejoin + Ip - (resume + done * Iq))) <= 1e-9);
  for (int i = k + done + 1; i < n; ++i) CHECK(std::abs(at(rows, i) - Ip) <= 1e-9);
  const json& f = r["failures"];
  CHECK(f["interruptions"] == 1);
  CHECK(f["rendezvous"] == 2);
  CHECK(f["final_ranks"] == p);
  CHECK(std::abs(f["time_lost_s"]["rendezvous"].get<double>() - (detection + 2 * rendezvous)) <= 1e-9);
  const double lost = (failure_at - k * Ip) + (back - (resume + done * Iq));
  CHECK(std::abs(f["time_lost_s"]["recompute"].get<double>() - lost) <= 1e-9);
}

TEST_CASE("elastic: with min_ranks = p the job waits for the repair, then goes on with every rank") {
  const int p = 4, n = 12;
  const double failure_at = 0.14, detection = 0.02, rendezvous = 0.03, repair = 0.1;
  json s = ring_job(p, n);
  s["failures"] = {{"events", {{{"at", failure_at}, {"gpu", 2}}}}, {"repair_time", repair}};
  s["run"]["recovery"] = {{"policy", "elastic"}, {"detection_time", detection}, {"rendezvous_time", rendezvous},
                          {"min_ranks", p}};
  const json r = dtsim::test::simulate(s);
  const double Ip = kCompute + ring_time(p);
  const int k = static_cast<int>(std::floor(failure_at / Ip));
  const double end = failure_at + std::max(detection, repair) + rendezvous + (n - k) * Ip;
  CHECK(std::abs(r["sim_time_s"].get<double>() - end) <= 1e-9);
  CHECK(r["failures"]["final_ranks"] == p);
  CHECK(r["failures"]["rendezvous"] == 1);
}

TEST_CASE("elastic: with join never and too few ranks left the run ends at the failure") {
  json s = ring_job(2, 20);
  s["failures"] = {{"events", {{{"at", 0.1}, {"machine", 0}}}}, {"repair_time", "10ms"}};
  s["run"]["recovery"] = {{"policy", "elastic"}, {"join", "never"}, {"min_ranks", 2}};
  const json r = dtsim::test::simulate(s);
  const double I = kCompute + ring_time(2);
  CHECK(r["failures"]["ended_by_failure"] == true);
  CHECK(r["iterations"] == static_cast<int>(std::floor(0.1 / I)));
}

TEST_CASE("elastic: on a torus, survivors cut off by a failed link wait for its repair, or the run ends saying why") {
  // 4 machines on a ring-shaped torus: machine 1's links carry the traffic between machines 0 and 2.
  // Its link fails at 0.05 s (iteration 2): the survivors 0, 2, 3 restart from iteration 2 at once, and
  // rank 0's first transfer to rank 2 needs the failed link. With join "at_repair" they wait for the
  // repair at 0.15 s, when all four restart from iteration 2 (8 iterations of the torus ring: one link
  // per neighbour hop, alpha = L). With join "never" nothing will restart them: before, SimGrid found
  // the run deadlocked; now the run ends with the reason and what to change.
  json s = ring_job(4, 10);
  s["network"]["topology"] = "torus";
  s["network"]["torus"] = {{"dims", {4}}};
  s["failures"] = {{"events", {{{"at", 0.05}, {"link", 1}}}}, {"repair_time", 0.1}};
  s["run"]["recovery"] = {{"policy", "elastic"}, {"join", "at_repair"}};
  const json r = dtsim::test::simulate(s);
  const double I = kCompute + 2.0 * 3 * (dtsim::test::kExactLatency + kBytes / (4 * dtsim::test::kExactBandwidth));
  REQUIRE(2 * I < 0.05);
  REQUIRE(0.05 < 3 * I);
  CHECK(std::abs(r["sim_time_s"].get<double>() - (0.15 + 8 * I)) <= 1e-9);
  CHECK(r["failures"]["final_ranks"] == 4);
  CHECK(r["failures"]["useful_iterations"] == 10);

  s["run"]["recovery"]["join"] = "never";
  const std::string dir = dtsim::test::make_temp_dir();
  const dtsim::test::CommandResult never =
      dtsim::test::run_dtsim({"run", dtsim::test::write_scenario(dir, s), "--out", dir + "/out", "-q"});
  CHECK(never.exit_code == 1);
  CHECK(dtsim::test::contains(never.err, "error: rank "));
  CHECK(dtsim::test::contains(never.err, "crossed a machine or link that an earlier failure left down"));
  CHECK(dtsim::test::contains(never.err, "a torus routes traffic through other machines' links"));
  CHECK_FALSE(dtsim::test::contains(never.err, "deadlock"));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out/summary.json"));
}

TEST_CASE("elastic: softmax regression on Fashion-MNIST reaches its target through 0, 1 and 2 machine failures") {
  // The run of test_numerics_in_simulation (8 ranks, 0.83 within 3 epochs), under elastic training
  // with the linear-scaling rule: machines fail at fixed fractions of the failure-free time to
  // accuracy and do not come back (repair 1 h), so the job ends on 7 or 6 ranks.
  auto scenario = [] {
    json s = dtsim::test::base_scenario(8);
    s["workload"] = {{"model", "softmax_regression"},
                     {"batch_per_gpu", 32},
                     {"compute_time", "10ms"},
                     {"dataset", {{"name", "fashion_mnist"}}},
                     {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}}};
    s["seed"] = 7;
    s["run"] = {{"epochs", 4}, {"eval_every", 25}, {"target_accuracy", 0.83}, {"warmup_iterations", 1}};
    s["run"]["recovery"] = {{"policy", "elastic"}, {"detection_time", "50ms"}, {"rendezvous_time", "100ms"}};
    return s;
  };
  const json clean = dtsim::test::simulate(scenario());
  REQUIRE_FALSE(clean["numerics"]["time_to_accuracy_s"].is_null());
  const double t0 = clean["numerics"]["time_to_accuracy_s"].get<double>();
  std::printf("elastic Fashion-MNIST (softmax, 8 x 32, target 0.83): failures | time to accuracy | iterations | ranks at the end\n");
  std::printf("  0 | %.3f s | %d | 8\n", t0, clean["numerics"]["iterations_to_accuracy"].get<int>());
  for (int k = 1; k <= 2; ++k) {
    CAPTURE(k);
    json s = scenario();
    s["failures"] = {{"repair_time", "1h"}, {"events", json::array()}};
    for (int j = 0; j < k; ++j) s["failures"]["events"].push_back({{"at", t0 * (j + 1) / (k + 1)}, {"machine", 2 * j + 1}});
    const json r = dtsim::test::simulate(s);
    const json& n = r["numerics"];
    INFO(n.dump());
    REQUIRE_FALSE(n["time_to_accuracy_s"].is_null());
    const double t = n["time_to_accuracy_s"].get<double>();
    CHECK(n["final_test_accuracy"].get<double>() >= 0.83);
    CHECK(r["failures"]["final_ranks"] == 8 - k);
    CHECK(r["failures"]["interruptions"] == k);
    CHECK(std::abs(r["failures"]["time_lost_s"]["rendezvous"].get<double>() - k * 0.15) <= 1e-9);
    std::printf("  %d | %.3f s | %d | %d\n", k, t, n["iterations_to_accuracy"].get<int>(), 8 - k);
  }
}
