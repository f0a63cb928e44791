// Failures and checkpoint/restart (sim/engine/job_supervisor.h): a scheduled failure against the
// timeline computed by hand from the ring's closed form; exponential failures against the renewal
// model's exact expectation and Young's first-order waste; the model's roll-back bit for bit.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "sim/engine/failure_model.h"
#include "tests/support/binary_exact_ring.h"
#include "tests/support/test_support.h"

using nlohmann::json;

namespace {

// p ranks, one per machine, on one switch: binary-exact sizes so that SimGrid's arithmetic is exact
// (S = 2^22 B, B = 2^30 B/s, link latency 2^-18 s, compute 2^-6 s).
constexpr double kBytes = 4194304, kCompute = dtsim::test::kExactCompute;

json ring_job(int p, int iterations) { return dtsim::test::binary_exact_ring_job(p, iterations, kBytes); }
double ring_time(int p) { return dtsim::test::binary_exact_ring_time(p, kBytes); }

// A restarted run ends with the model of the run without failures: every rank's parameters float by
// float, the final loss and the epochs processed.
void check_same_model(const json& reference, const json& restarted) {
  const auto a = reference["final_params"], b = restarted["final_params"];
  REQUIRE(a.size() == b.size());
  bool identical = true;
  for (std::size_t r = 0; r < a.size(); ++r) identical = identical && a[r] == b[r];
  CHECK(identical);
  CHECK(reference["numerics"]["final_train_loss"] == restarted["numerics"]["final_train_loss"]);
  CHECK(reference["numerics"]["epochs_processed"] == restarted["numerics"]["epochs_processed"]);
}

}  // namespace

TEST_CASE("failures: a scheduled machine failure follows the hand-computed checkpoint/restart timeline") {
  const int p = 4, n = 10, every = 3;
  const double delta = 0.005, detection = 0.02, restart = 0.03, repair = 0.1, failure_at = 0.15;
  json s = ring_job(p, n);
  s["failures"] = {{"events", {{{"at", failure_at}, {"machine", 1}}}}, {"repair_time", repair}};
  s["run"]["recovery"] = {{"policy", "checkpoint_restart"}, {"interval", every}, {"checkpoint_time", delta},
                          {"detection_time", detection}, {"restart_time", restart}};
  s["output"]["trace"] = true;
  const json r = dtsim::test::simulate(s);

  // By hand: an iteration is compute + ring; iteration i ends at (i + 1) I plus the blocking
  // checkpoints written after iterations 2, 5, 8 (none after the last). The failure at 0.15 s comes
  // after the checkpoint of iteration 5 was written (6I + 2 delta = 0.139 s), so the job resumes
  // from it at max(failure + detection, failure + repair) + restart and runs iterations 6..9 again,
  // with one more checkpoint (after 8).
  const double I = kCompute + ring_time(p);
  const double written5 = 6 * I + 2 * delta;
  REQUIRE(written5 < failure_at);
  REQUIRE(failure_at < 7 * I + 2 * delta);  // the failure strikes iteration 6
  const double resume = failure_at + std::max(detection, repair) + restart;
  const double end = resume + 4 * I + delta;
  INFO("I=" << I << " expected end " << end << " got " << r["sim_time_s"]);
  CHECK(std::abs(r["sim_time_s"].get<double>() - end) <= 1e-9);
  const json& f = r["failures"];
  CHECK(f["failures_seen"] == 1);
  CHECK(f["interruptions"] == 1);
  CHECK(f["checkpoints_written"] == 3);
  CHECK(f["useful_iterations"] == n);
  CHECK(std::abs(f["time_lost_s"]["checkpoint"].get<double>() - 3 * delta) <= 1e-9);
  CHECK(std::abs(f["time_lost_s"]["recompute"].get<double>() - (failure_at - written5)) <= 1e-9);
  CHECK(std::abs(f["time_lost_s"]["restart"].get<double>() - (resume - failure_at)) <= 1e-9);
  // What is left is the useful work: n iterations.
  CHECK(std::abs(f["useful_time_s"].get<double>() - n * I) <= 1e-9);
  CHECK(std::abs(f["goodput_iterations_per_s"].get<double>() - n / end) <= 1e-9);
  // The iterations after the restart are the ones reported; the one after it carries the down time.
  const json& rows = r["rows"];
  REQUIRE(rows.size() == static_cast<std::size_t>(n));
  CHECK(std::abs(rows[7]["iteration_time"].get<double>() - I) <= 1e-9);
  CHECK(std::abs(rows[6]["iteration_time"].get<double>() - (resume + I - written5)) <= 1e-9);
}

TEST_CASE("failures: a failure in the middle of a ring step keeps the hand-computed timeline, with overlap_slowdown too") {
  // The machine fails in the middle of a ring step: transfers are in flight, their ranks are killed
  // and their peers' waits fail. Those peers belong to the stopped attempt: they must not be taken
  // for ranks cut off by a component left down (that mistake deadlocked the supervisor on a mutex
  // held by a killed rank). With workload.overlap_slowdown, which slows compute while a transfer of
  // the same rank is in flight, the ring runs after the compute, so the slowdown must not change a
  // single time either, before or after the restart. Before, the cut transfer's exception escaped
  // its watcher (abort); a watcher killed with its host would leave its ranks counted as
  // communicating forever, slowing every later compute by 1.5x.
  double slowdown = 0;
  SUBCASE("without overlap_slowdown") { slowdown = 0; }
  SUBCASE("with overlap_slowdown 0.5") { slowdown = 0.5; }
  const int p = 4, n = 10, every = 3;
  const double delta = 0.005, restart = 0.03, repair = 0.1;
  json s = ring_job(p, n);
  s["workload"]["overlap_slowdown"] = slowdown;
  const double I = kCompute + ring_time(p);
  const double written5 = 6 * I + 2 * delta;
  // In the middle of the fourth of the six steps of iteration 6's ring: transfers in flight.
  const double failure_at = written5 + kCompute + ring_time(p) * 7 / 12;
  s["failures"] = {{"events", {{{"at", failure_at}, {"machine", 1}}}}, {"repair_time", repair}};
  s["run"]["recovery"] = {{"policy", "checkpoint_restart"}, {"interval", every}, {"checkpoint_time", delta},
                          {"detection_time", 0.02}, {"restart_time", restart}};
  const json r = dtsim::test::simulate(s);
  const double resume = failure_at + repair + restart;
  CHECK(std::abs(r["sim_time_s"].get<double>() - (resume + 4 * I + delta)) <= 1e-9);
  CHECK(r["failures"]["interruptions"] == 1);
  CHECK(std::abs(r["failures"]["useful_time_s"].get<double>() - n * I) <= 1e-9);
  const json& rows = r["rows"];
  REQUIRE(rows.size() == static_cast<std::size_t>(n));
  for (int k = 7; k < n; ++k)  // iteration 8 carries its blocking checkpoint's write
    CHECK(std::abs(rows[k]["iteration_time"].get<double>() - (k == 8 ? I + delta : I)) <= 1e-9);

  SUBCASE("elastic") {  // the survivors go on at once; their transfers and watchers start afresh
    s["run"]["recovery"] = {{"policy", "elastic"}, {"join", "never"}};
    const json e = dtsim::test::simulate(s);
    CHECK(e["failures"]["final_ranks"] == p - 1);
    CHECK(e["failures"]["useful_iterations"] == n);
  }
}

TEST_CASE("failures: a restart leaves no actor blocked behind (no SimGrid deadlock report)") {
  // 6 GPUs on 2 machines, one machine failing while the ring's transfers are in flight and the ranks
  // are out of step (exponential compute noise): the killed ranks' peers see their transfers fail.
  // Taking a mutex in that path left it held by a killed rank, and the supervisor blocked on it for
  // good: the run still ended (exit 0) but SimGrid reported a deadlock. Found by the scenario campaign.
  const json s = json::parse(R"({"name": "restart", "seed": 1, "cluster": {"nodes": 2, "gpus_per_node": 3, "gpu": "V100"},
    "network": {"topology": "switch", "bandwidth": "25Gbps", "latency": "5us", "model": "exact", "fidelity": "step"},
    "workload": {"model": "resnet50", "batch_per_gpu": 64}, "algorithm": {"name": "allreduce", "collective": "ring"},
    "run": {"warmup_iterations": 1, "iterations": 4,
            "recovery": {"policy": "checkpoint_restart", "interval": 1, "blocking": true, "checkpoint_time": "1ms"}},
    "stragglers": {"noise": {"distribution": "exponential", "mean": 0.05}},
    "failures": {"events": [{"at": "0.3s", "machine": 0}], "repair_time": 0.5}, "output": {"trace": false}})");
  const std::string dir = dtsim::test::make_temp_dir();
  const dtsim::test::CommandResult r =
      dtsim::test::run_dtsim({"run", dtsim::test::write_scenario(dir, s), "--out", dir + "/out", "-q"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(dtsim::test::contains(r.err, "Deadlock"));
  CHECK_FALSE(dtsim::test::contains(r.err, "CRITICAL"));
  const json summary = json::parse(dtsim::test::read_file(dir + "/out/summary.json"));
  CHECK(summary["failures"]["interruptions"] == 1);
  CHECK(summary["failures"]["useful_iterations"] == 4);
}

TEST_CASE("failures: without recovery the run ends at the first failure with the iterations every rank completed") {
  json s = ring_job(4, 20);
  s["failures"] = {{"events", {{{"at", 0.1}, {"gpu", 2}}}}};
  const json r = dtsim::test::simulate(s);
  const double I = kCompute + ring_time(4);
  CHECK(r["failures"]["ended_by_failure"] == true);
  CHECK(r["iterations"] == static_cast<int>(std::floor(0.1 / I)));
  CHECK(std::abs(r["sim_time_s"].get<double>() - 0.1) <= 1e-9);
}

TEST_CASE("failures: failure draws are deterministic, per component, with the law's mean") {
  dtsim::FailureSpec spec;
  spec.gpu.process = "exponential";
  spec.gpu.options = dtsim::OptionValues(json{{"process", "exponential"}, {"mtbf", 100.0}});
  spec.repair_time = 0;
  dtsim::FailureModel a(spec, 7, 4, 4), b(spec, 7, 4, 4), c(spec, 8, 4, 4);
  CHECK(a.failure_rate() == doctest::Approx(4.0 / 100));
  // 4 GPUs at MTBF 100 s: the job sees a Poisson process of rate 0.04/s. 20000 failures: the mean gap
  // is 25 s with a standard error of 25 / sqrt(20000) = 0.18 s.
  const int count = 20000;
  double last = 0, t = 0;
  bool same = true, differs = false;
  for (int i = 0; i < count; ++i) {
    const dtsim::FailureEvent e = a.pop(), f = b.pop(), g = c.pop();
    same = same && e.time == f.time && e.index == f.index;
    differs = differs || e.time != g.time;
    CHECK_MESSAGE(e.time >= last, "failures come in time order");
    last = t = e.time;
  }
  CHECK(same);
  CHECK(differs);
  const double mean_gap = t / count, se = 25.0 / std::sqrt(count);
  INFO("mean gap " << mean_gap << " s, expected 25 +- " << se);
  CHECK(std::abs(mean_gap - 25.0) < 4 * se);

  dtsim::FailureSpec weibull;
  weibull.machine.process = "weibull";
  weibull.machine.options = dtsim::OptionValues(json{{"process", "weibull"}, {"shape", 0.7}, {"scale", 10.0}});
  dtsim::FailureModel w(weibull, 1, 1, 1);
  // One machine, a renewal process: mean lifetime scale * Gamma(1 + 1/shape); sd from Gamma(1 + 2/shape).
  const double mean = 10 * std::tgamma(1 + 1 / 0.7);
  const double sd = 10 * std::sqrt(std::tgamma(1 + 2 / 0.7) - std::pow(std::tgamma(1 + 1 / 0.7), 2));
  CHECK(1 / w.failure_rate() == doctest::Approx(mean));
  double end = 0;
  for (int i = 0; i < count; ++i) end = w.pop().time;
  INFO("Weibull mean lifetime " << end / count << " expected " << mean << " +- " << sd / std::sqrt(count));
  CHECK(std::abs(end / count - mean) < 4 * sd / std::sqrt(count));
}

TEST_CASE("failures: a restart rolls the real model back to the checkpoint, bit for bit") {
  // Real numerics (least squares, momentum so the optimizer state matters too): two failures, one
  // before the first checkpoint (back to the initial model) and one after a later checkpoint. A
  // restarted run recomputes the lost iterations from the restored model and optimizer state, so
  // it must end with exactly the model of the same run without failures.
  json s = dtsim::test::base_scenario(4);
  s["workload"] = dtsim::test::least_squares_workload(8, 16, 0.5, 0.05);
  s["workload"]["optimizer"] = {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}};
  s["workload"]["compute_time"] = "10ms";
  s["run"] = {{"iterations", 30}, {"warmup_iterations", 0}, {"eval_every", 5}};
  json clean = s;
  const json reference = dtsim::test::simulate(clean);
  REQUIRE(reference.contains("final_params"));

  s["run"]["recovery"] = {{"interval", 7}, {"checkpoint_time", "1ms"}, {"restart_time", "50ms"}};
  // The iteration is about 10 ms: the first failure strikes iteration 4, before any checkpoint;
  // the second strikes about 20 iterations into the run, after the checkpoint of iteration 13.
  s["failures"] = {{"events", {{{"at", "45ms"}, {"machine", 2}}, {{"at", "0.3s"}, {"gpu", 1}}}}};
  const json restarted = dtsim::test::simulate(s);
  CHECK(restarted["failures"]["interruptions"] == 2);
  CHECK(restarted["failures"]["time_lost_s"]["recompute"].get<double>() > 0);
  CHECK(restarted["sim_time_s"].get<double>() > reference["sim_time_s"].get<double>());
  check_same_model(reference, restarted);
}

TEST_CASE("failures: D-SGD ranks iterations apart restart from the state each had at the checkpoint") {
  // D-SGD over a ring of 8 with rank 0 four times slower: each rank waits only for its neighbours, so
  // rank 4 runs up to four iterations ahead of rank 0, and has changed its model several times by
  // the time rank 0 finishes a checkpointed iteration. The checkpoint must hold each rank's model as
  // that rank finished the iteration: a restarted run then recomputes the same iterations from the
  // same models and ends with exactly the model of the run without failures. (Saving every rank's
  // model when the last one finishes would restart rank 4 from a later model; before per-rank saves,
  // the run stopped with an internal error.)
  json s = dtsim::test::base_scenario(8);
  s["workload"] = dtsim::test::least_squares_workload(8, 16, 0.5, 0.05);
  s["workload"]["optimizer"] = {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}};
  s["workload"]["compute_time"] = "10ms";
  s["algorithm"] = {{"name", "dsgd"}, {"graph", {{"name", "ring"}}}};
  s["stragglers"] = {{"rank_factors", {{{"ranks", {0}}, {"factor", 4}}}}};
  s["run"] = {{"iterations", 30}, {"warmup_iterations", 0}};
  const json reference = dtsim::test::simulate(s);
  REQUIRE(reference.contains("final_params"));

  SUBCASE("checkpoint and restart") {
    s["run"]["recovery"] = {{"interval", 2}, {"checkpoint_time", "1ms"}, {"restart_time", "50ms"}};
    s["failures"] = {{"events", {{{"at", "0.25s"}, {"machine", 5}}, {{"at", "0.7s"}, {"machine", 2}}}}};
    const json restarted = dtsim::test::simulate(s);
    CHECK(restarted["failures"]["interruptions"] == 2);
    CHECK(restarted["failures"]["time_lost_s"]["recompute"].get<double>() > 0);
    CHECK(restarted["failures"]["useful_iterations"] == 30);
    check_same_model(reference, restarted);
  }
  SUBCASE("elastic: a commit after every iteration, the survivors go on") {
    s["run"]["recovery"] = {{"policy", "elastic"}, {"join", "never"}};
    s["failures"] = {{"events", {{{"at", "0.25s"}, {"machine", 5}}}}};
    const json elastic = dtsim::test::simulate(s);
    CHECK(elastic["failures"]["interruptions"] == 1);
    CHECK(elastic["failures"]["final_ranks"] == 7);
    CHECK(elastic["failures"]["useful_iterations"] == 30);
    CHECK(std::isfinite(elastic["numerics"]["final_train_loss"].get<double>()));
  }
}

namespace {

// One rank (no communication), 1 s per iteration, a checkpoint every `every` iterations taking
// `delta`, restart `restart`, one machine failing as a Poisson process of mean `mtbf` (repair 0, so
// failures strike during restarts too and restart them).
json renewal_job(int iterations, int every, double delta, double restart, double mtbf, int seed) {
  json s = dtsim::test::base_scenario(1);
  s["seed"] = seed;
  s["workload"] = {{"params", 1000}, {"bytes_per_param", 4}, {"compute_time", 1.0}};
  s["run"] = {{"iterations", iterations}, {"warmup_iterations", 0},
              {"recovery", {{"interval", every}, {"checkpoint_time", delta}, {"restart_time", restart}}}};
  s["failures"] = {{"machine", {{"process", "exponential"}, {"mtbf", mtbf}}}};
  return s;
}

// The renewal model's exact expected time to get through `length` seconds of work that a failure
// (rate lambda) sends back to its start, each failure costing a restart of `restart` seconds that
// failures also send back to its start: e^(lambda R) (e^(lambda L) - 1) / lambda (Daly, A higher
// order estimate of the optimum checkpoint interval for restart dumps, FGCS 2006, eq. 7 with the
// restart exposed to failures).
double expected_segment(double length, double restart, double lambda) {
  return std::exp(lambda * restart) * std::expm1(lambda * length) / lambda;
}

}  // namespace

TEST_CASE("failures: waste under exponential failures matches the renewal model and Young's first order") {
  // tau = 10 s of work between checkpoints, delta = 0.1 s, R = 1 s, M = 1000 s >> tau: about 50
  // failures per run, 6 runs (seeds) of 50000 iterations.
  const int n = 50000, every = 10, runs = 6;
  const double tau = every * 1.0, delta = 0.1, restart = 1.0, mtbf = 1000.0;
  std::vector<double> waste;
  int failures = 0;
  for (int seed = 1; seed <= runs; ++seed) {
    const json r = dtsim::test::simulate(renewal_job(n, every, delta, restart, mtbf, seed));
    waste.push_back(r["failures"]["waste_fraction"].get<double>());
    failures += r["failures"]["interruptions"].get<int>();
    CHECK(r["failures"]["useful_time_s"].get<double>() == doctest::Approx(n * 1.0).epsilon(1e-12));
  }
  double mean = 0, var = 0;
  for (double w : waste) mean += w / runs;
  for (double w : waste) var += (w - mean) * (w - mean) / (runs - 1);
  const double se = std::sqrt(var / runs);  // standard error of the mean over the runs
  // Exact: n / every segments of tau + delta, the last without its checkpoint.
  const double lambda = 1 / mtbf, segments = n / every;
  const double total = (segments - 1) * expected_segment(tau + delta, restart, lambda) +
                       expected_segment(tau, restart, lambda);
  const double exact = 1 - n / total;
  const double first_order = delta / tau + (tau / 2 + restart) / mtbf;
  MESSAGE("simulated waste " << mean << " +- " << se << " (" << failures << " failures), exact " << exact
                          << ", first order " << first_order);
  CHECK(failures > 200);
  CHECK(std::abs(mean - exact) < 3 * se);
  // Young's model leaves out terms of order W^2, here below the statistical error.
  REQUIRE(std::abs(exact - first_order) < se);
  CHECK(std::abs(mean - first_order) < 3 * se + std::abs(exact - first_order));
}

TEST_CASE("failures: the measured optimum checkpoint interval is within 10 % of Young/Daly") {
  // delta = 0.5 s, M = 100 s: Young's optimum sqrt(2 delta M) = 10 s of work (Young, A first order
  // approximation to the optimum checkpoint interval, CACM 1974; Daly 2006's higher-order optimum is
  // 9.7 s). The interval is scanned over 5..20 iterations of 1 s (about 600 failures per point, the
  // same seed everywhere so that the points share their failures) and the waste fitted by
  // a / tau + b tau + c, whose minimum sqrt(a / b) is the measured optimum.
  const double delta = 0.5, mtbf = 100.0, restart = 1.0;
  const std::vector<int> intervals = {5, 6, 7, 8, 10, 12, 14, 17, 20};
  double sxx[3][3] = {}, sxy[3] = {};
  for (int every : intervals) {
    const json r = dtsim::test::simulate(renewal_job(60000, every, delta, restart, mtbf, 1));
    const double w = r["failures"]["waste_fraction"].get<double>();
    const double x[3] = {1.0 / every, 1.0 * every, 1.0};
    for (int i = 0; i < 3; ++i) {
      sxy[i] += x[i] * w;
      for (int j = 0; j < 3; ++j) sxx[i][j] += x[i] * x[j];
    }
    MESSAGE("interval " << every << " s: waste " << w);
  }
  // Least squares by the normal equations (Cramer's rule on the 3 x 3 system).
  auto det = [](double m[3][3]) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  };
  double coef[3];
  for (int k = 0; k < 3; ++k) {
    double m[3][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) m[i][j] = j == k ? sxy[i] : sxx[i][j];
    coef[k] = det(m) / det(sxx);
  }
  REQUIRE(coef[0] > 0);
  REQUIRE(coef[1] > 0);
  const double measured = std::sqrt(coef[0] / coef[1]), young = std::sqrt(2 * delta * mtbf);
  MESSAGE("measured optimum " << measured << " s, Young/Daly " << young << " s");
  CHECK(std::abs(measured - young) / young <= 0.10);
}
