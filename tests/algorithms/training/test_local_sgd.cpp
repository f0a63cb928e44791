// Local SGD / PR-SGD (algorithm "local_sgd"; Yu, Yang & Zhu, AAAI 2019): timing against the alpha-beta closed form of
// the ring allreduce of the parameters, equivalence with parallel SGD at I = 1, convergence on least
// squares, the averaging points of Algorithm 2 and the per-rank step counts of Algorithm 3.
#include <doctest/doctest.h>

#include <cmath>

#include "kernels/least_squares.h"
#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"
#include "sim/engine/load_scenario.h"

namespace {

using nlohmann::json;

constexpr int kRanks = 8;
constexpr double kBandwidth = 1.25e9, kLatency = 5e-6, kCompute = 0.01;
constexpr double kBytes = 4e6;  // 1e6 float parameters, divisible by 8

// Ring allreduce on the switch: 2(p-1)(alpha + n beta / p), alpha = two link latencies per route.
double ring_time() { return 2 * (kRanks - 1) * (2 * kLatency + kBytes / kBandwidth / kRanks); }
double ring_bytes() { return 2.0 * (kRanks - 1) * kBytes / kRanks; }

json timing_scenario(int local_steps, const std::string& schedule, int iterations) {
  json s = dtsim::test::base_scenario(kRanks);
  s["network"]["bandwidth"] = kBandwidth;
  s["network"]["latency"] = kLatency;
  s["workload"] = {{"params", 1000000}, {"bytes_per_param", 4}, {"compute_time", kCompute}};
  s["algorithm"] = {{"name", "local_sgd"}, {"local_steps", local_steps}, {"local_schedule", schedule}};
  s["run"] = {{"iterations", iterations}, {"warmup_iterations", 1}};
  return s;
}

constexpr int kDim = 10, kSamples = 40;

json least_squares_scenario(const std::string& algorithm, int iterations, double heterogeneity) {
  json s = dtsim::test::base_scenario(kRanks);
  s["seed"] = 5;
  s["workload"] = dtsim::test::least_squares_workload(kDim, kSamples, heterogeneity, 0.02);
  s["algorithm"] = {{"name", algorithm}};
  s["run"] = {{"iterations", iterations}, {"warmup_iterations", 1}};
  return s;
}

std::vector<double> average_model(const json& final_params) {
  std::vector<double> mean;
  for (const auto& p : final_params) {
    const auto x = p.get<std::vector<float>>();
    mean.resize(x.size(), 0.0);
    for (size_t i = 0; i < x.size(); ++i) mean[i] += x[i] / static_cast<double>(final_params.size());
  }
  return mean;
}

double relative_distance(const std::vector<double>& x, const Eigen::VectorXd& x_star) {
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) d += (x[i] - x_star[static_cast<Eigen::Index>(i)]) * (x[i] - x_star[static_cast<Eigen::Index>(i)]);
  return std::sqrt(d) / x_star.norm();
}

// K^s = ceil(I s^(1/3)) in exact integers: the smallest k with k^3 >= I^3 s.
int epoch_length(int interval, int s) {
  int k = 1;
  while (static_cast<long>(k) * k * k < static_cast<long>(interval) * interval * interval * s) ++k;
  return k;
}

}  // namespace

TEST_CASE("local_sgd: I iterations cost I compute steps plus one ring allreduce of the parameters") {
  for (int interval : {1, 2, 4, 8}) {
    // Warmup iteration 0, then 2 periods: the measured iterations 1..2I hold exactly 2 averages.
    json r = dtsim::test::simulate(timing_scenario(interval, "constant", 1 + 2 * interval));
    const json& rows = r["rows"];
    REQUIRE(rows.size() == static_cast<size_t>(1 + 2 * interval));
    double period = 0;  // iterations 1..I: I local steps and the average at iteration I - 1 (or I when I = 1)
    for (int k = 1; k <= interval; ++k) period += rows[k]["iteration_time"].get<double>();
    const double expected = interval * kCompute + ring_time();
    INFO("I=" << interval << " expected " << expected << " got " << period);
    CHECK(std::abs(period - expected) / expected <= 1e-6);
    const double mean = r["iteration_time_s"].get<double>();
    CHECK(std::abs(mean - expected / interval) / (expected / interval) <= 1e-6);
    // Bytes fall by exactly I: one ring allreduce of the model per I iterations.
    CHECK(r["bytes_sent_per_rank_per_iteration"].get<double>() == doctest::Approx(ring_bytes() / interval).epsilon(1e-12));
    for (int k = 0; k < static_cast<int>(rows.size()); ++k) {
      const bool averaged = (k + 1) % interval == 0;
      CHECK(rows[k]["bytes_sent_per_rank"].get<double>() == doctest::Approx(averaged ? ring_bytes() : 0.0).scale(1));
    }
  }
}

TEST_CASE("local_sgd: I = 1 is parallel SGD (allreduce) to float rounding") {
  // Plain SGD: mean_i(x - gamma g_i) = x - gamma mean_i(g_i), equal in exact arithmetic; in float they
  // differ by rounding only. Momentum is linear too: every rank's velocity v_i = mu v_i + g_i averages
  // to PSGD's mu v + mean_i(g_i), so local momentum at I = 1 is PSGD with momentum.
  // Tolerance per coordinate, relative: 1e-5 for SGD (measured 7e-7 after 300 steps), 1e-4 with
  // momentum 0.9, whose velocity carries rounding over ~1/(1 - mu) = 10 steps (measured 7e-6).
  const std::vector<std::pair<json, double>> cases = {
      {json{{"name", "sgd"}, {"lr", 0.02}}, 1e-5},
      {json{{"name", "momentum"}, {"lr", 0.01}, {"momentum", 0.9}}, 1e-4}};
  for (const auto& c : cases) {  // not a structured binding: INFO captures `optimizer` in a lambda
    const json& optimizer = c.first;
    const double tolerance = c.second;
    json local = least_squares_scenario("local_sgd", 300, 1.0);
    local["algorithm"]["local_steps"] = 1;
    local["workload"]["optimizer"] = optimizer;
    json reference_scenario = least_squares_scenario("allreduce", 300, 1.0);
    reference_scenario["workload"]["optimizer"] = optimizer;
    json psgd = dtsim::test::simulate(reference_scenario);
    json r = dtsim::test::simulate(local);
    REQUIRE(r["final_params"].size() == static_cast<size_t>(kRanks));
    const auto reference = psgd["final_params"][0].get<std::vector<float>>();
    double worst = 0;
    for (const auto& p : r["final_params"]) {
      const auto x = p.get<std::vector<float>>();
      REQUIRE(x.size() == reference.size());
      for (size_t i = 0; i < x.size(); ++i)
        worst = std::max(worst, std::abs(x[i] - reference[i]) / (1e-3 + std::abs(reference[i])));
    }
    INFO(optimizer.dump() << ": largest relative difference " << worst);
    CHECK(worst <= tolerance);
    // The training loss is the same too (mean over the ranks' gradients of each iteration).
    CHECK(r["numerics"]["final_train_loss"].get<double>() ==
          doctest::Approx(psgd["numerics"]["final_train_loss"].get<double>()).epsilon(1e-5));
  }
}

TEST_CASE("local_sgd: least squares converges to x* and client drift grows with I") {
  // Homogeneous ranks (every local optimum is x*): local steps cannot pull the models apart, so
  // local SGD reaches x* to float precision for any I.
  for (int interval : {4, 16}) {
    const auto problem = dtsim::kernels::make_least_squares(kRanks, kSamples, kDim, 0.0, 5);
    json s = least_squares_scenario("local_sgd", 1600, 0.0);
    s["algorithm"]["local_steps"] = interval;
    json r = dtsim::test::simulate(s);
    const double d = relative_distance(average_model(r["final_params"]), problem.x_star);
    INFO("I=" << interval << " relative distance " << d);
    CHECK(d <= 1e-4);
  }
  // Heterogeneous ranks (local optima x* + u_i): between averages each model drifts towards its own
  // optimum, so the fixed point is biased, the more the longer the period; I = 1 has no bias.
  const auto problem = dtsim::kernels::make_least_squares(kRanks, kSamples, kDim, 1.0, 5);
  std::vector<double> distance;
  for (int interval : {1, 4, 16}) {
    json s = least_squares_scenario("local_sgd", 1600, 1.0);  // 1600 is a multiple of every I: ends averaged
    s["algorithm"]["local_steps"] = interval;
    json r = dtsim::test::simulate(s);
    const auto first = r["final_params"][0].get<std::vector<float>>();
    for (const auto& p : r["final_params"]) CHECK(p.get<std::vector<float>>() == first);  // just averaged
    distance.push_back(relative_distance(average_model(r["final_params"]), problem.x_star));
    INFO("I=" << interval << " relative distance " << distance.back());
    CHECK(distance.back() <= 0.1);  // near x*: measured 7e-6 (I = 1), 0.0135 (I = 4), 0.065 (I = 16)
  }
  CHECK(distance[0] <= 1e-4);
  CHECK(distance[1] > distance[0]);
  // The bias is first order in gamma (I - 1): I = 16 vs I = 4 should be about 15 / 3 = 5 (measured 4.8).
  CHECK(distance[2] / distance[1] >= 3);
  CHECK(distance[2] / distance[1] <= 6);
}

TEST_CASE("local_sgd: Algorithm 2 averages at the end of epochs of K^s = ceil(I s^(1/3)) steps") {
  for (int interval : {1, 2, 3}) {
    const int iterations = 60;
    json r = dtsim::test::simulate(timing_scenario(interval, "growing", iterations));
    std::vector<int> expected, got;
    for (int s = 1, end = 0;; ++s) {
      end += epoch_length(interval, s);
      if (end > iterations) break;
      expected.push_back(end - 1);
    }
    const json& rows = r["rows"];
    for (int k = 0; k < static_cast<int>(rows.size()); ++k) {
      const double bytes = rows[k]["bytes_sent_per_rank"].get<double>();
      if (bytes > 0) got.push_back(k);
      CHECK((bytes == doctest::Approx(ring_bytes()) || bytes == 0.0));
      // An averaging iteration costs the compute plus the ring; the others only the compute.
      const double time = kCompute + (bytes > 0 ? ring_time() : 0.0);
      CHECK(std::abs(rows[k]["iteration_time"].get<double>() - time) / time <= 1e-6);
    }
    INFO("I=" << interval);
    CHECK(got == expected);
    CHECK(got.size() >= 5);
  }
  // I = 2: 2, 3, 3, 4, 4, 4, 4, 4 (s = 1..8: ceil(2 s^(1/3)); 2 * 8^(1/3) = 4 exactly).
  CHECK(epoch_length(2, 1) == 2);
  CHECK(epoch_length(2, 2) == 3);
  CHECK(epoch_length(2, 8) == 4);
  CHECK(epoch_length(2, 9) == 5);
}

TEST_CASE("local_sgd: Algorithm 3 gives a 2x slower rank half the local steps and equal round times") {
  // Rank 7 computes 2x slower: I_7 = round(4 / 2) = 2, the others I_i = 4. Every rank then computes
  // 4c per round, and the round is max_i(I_i c f_i) + ring = 4c + ring, where Algorithm 1 with I = 4
  // needs 4 x 2c + ring per period (everyone waits for the slow rank at every step).
  json s = timing_scenario(4, "by_speed", 5);
  s["stragglers"] = {{"rank_factors", {{{"ranks", {7}}, {"factor", 2}}}}};
  json r = dtsim::test::simulate(s);
  const double round = 4 * kCompute + ring_time();
  INFO("round expected " << round << " got " << r["iteration_time_s"]);
  CHECK(std::abs(r["iteration_time_s"].get<double>() - round) / round <= 1e-6);
  CHECK(r["bytes_sent_per_rank_per_iteration"].get<double>() == doctest::Approx(ring_bytes()).epsilon(1e-12));
  CHECK(r["stragglers"]["slowest_rank_compute_s"].get<double>() == doctest::Approx(4 * kCompute).epsilon(1e-9));
  CHECK(r["wait_time_s"]["max"].get<double>() <= 1e-9);  // nobody waits: rounds are balanced

  json constant = timing_scenario(4, "constant", 9);
  constant["stragglers"] = s["stragglers"];
  json c = dtsim::test::simulate(constant);
  const double period = 4 * 2 * kCompute + ring_time();
  CHECK(std::abs(c["iteration_time_s"].get<double>() * 4 - period) / period <= 1e-6);

  // A rank 3x slower with I = 5: I_7 = round(5/3) = 2 steps of 3c = 6c > 5c: the round is 6c + ring.
  s["algorithm"]["local_steps"] = 5;
  s["stragglers"] = {{"rank_factors", {{{"ranks", {7}}, {"factor", 3}}}}};
  json uneven = dtsim::test::simulate(s);
  const double uneven_round = 6 * kCompute + ring_time();
  CHECK(std::abs(uneven["iteration_time_s"].get<double>() - uneven_round) / uneven_round <= 1e-6);
}

TEST_CASE("local_sgd: Algorithm 3 numerics take I_i gradient steps on fresh mini-batches") {
  // Least squares, full batch of 40 samples: samples processed = rounds x sum_i I_i x 40.
  json s = least_squares_scenario("local_sgd", 30, 0.0);
  s["algorithm"]["local_steps"] = 4;
  s["algorithm"]["local_schedule"] = "by_speed";
  s["stragglers"] = {{"rank_factors", {{{"ranks", {7}}, {"factor", 2}}}}};
  json r = dtsim::test::simulate(s);
  CHECK(r["numerics"]["samples_processed"].get<long>() == 30L * (7 * 4 + 2) * kSamples);
  const auto problem = dtsim::kernels::make_least_squares(kRanks, kSamples, kDim, 0.0, 5);
  // 30 rounds of 2 to 4 steps from x = 0 at gamma = 0.02: well on the way to x*.
  const double d = relative_distance(average_model(r["final_params"]), problem.x_star);
  INFO("relative distance " << d);
  CHECK(d < 0.5);
  // Without rank factors every rank runs I steps per round.
  s["stragglers"] = json::object();
  json even = dtsim::test::simulate(s);
  CHECK(even["numerics"]["samples_processed"].get<long>() == 30L * 8 * 4 * kSamples);
}

TEST_CASE("local_sgd: meaningless combinations are rejected with their paths") {
  json s = timing_scenario(4, "by_speed", 10);
  s["run"] = {{"epochs", 1}};
  s["workload"] = {{"model", "softmax_regression"},
                   {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 512}, {"test_limit", 64}}}};
  dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/run/epochs") == 0);

  s = timing_scenario(40, "constant", 10);
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/algorithm/local_steps") == 0);

  s = timing_scenario(2, "constant", 10);
  s["workload"]["fusion"] = {{"policy", "ddp"}};
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/workload/fusion/policy") == 0);

  s = timing_scenario(2, "sometimes", 10);
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/algorithm/local_schedule") == 0);

  s = timing_scenario(2, "constant", 10);
  s["algorithm"]["name"] = "allreduce";
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/algorithm/local_schedule: is only meaningful for \"local_sgd\"") == 0);
  CHECK(r.errors[1].find("/algorithm/local_steps: is only meaningful for \"local_sgd\"") == 0);
}
