// In-range values that hung, aborted or printed wrong figures are bounded by what the simulator can
// do; `dtsim run` rejects them with exit 2, the JSON path and the bound, and writes nothing.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

using dtsim::test::contains;

dtsim::test::CommandResult run(const json& scenario, const std::string& dir) {
  std::ofstream(dir + "/s.json") << scenario.dump();
  return dtsim::test::run_dtsim({"run", dir + "/s.json", "--out", dir + "/out", "-q"});
}

std::string rejected_run(const json& scenario) {
  const std::string dir = dtsim::test::make_temp_dir();
  const auto r = run(scenario, dir);
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out"));
  return r.err;
}

}  // namespace

TEST_CASE("core: epochs that need more iterations than an int holds are blamed on /run/epochs") {
  json s = dtsim::test::base_scenario(2);
  s["workload"] = dtsim::test::least_squares_workload(4, 100, 0, 0.1);
  s["workload"]["batch_per_gpu"] = 10;
  s["run"] = {{"epochs", 1e9}};
  // 1e9 epochs x 200 samples / 20 per iteration = 10^10 iterations (the int cast gave -2147483648).
  const std::string e = rejected_run(s);
  CHECK(contains(e, "/run/epochs: 1000000000 epochs of 200 samples at 20 per iteration are 10000000000 iterations"));
  CHECK(contains(e, "allowed: at most 1073741824"));
  CHECK_FALSE(contains(e, "warmup_iterations"));
  CHECK_FALSE(contains(e, "-2147483648"));
}

TEST_CASE("core: MLP widths whose weights cannot be held are rejected") {
  json s = dtsim::test::base_scenario(2);
  s["workload"] = {{"model", "mlp"},
                   {"hidden", {std::int64_t{1} << 62, std::int64_t{1} << 62}},
                   {"batch_per_gpu", 32},
                   {"dataset", {{"name", "fashion_mnist"}}},
                   {"optimizer", {{"name", "sgd"}, {"lr", 0.02}}}};
  s["run"] = {{"iterations", 2}};
  std::string e = rejected_run(s);
  CHECK(contains(e, "/workload/hidden: gives more than 2^64 parameters per replica x 2 ranks"));
  // Exact count: 784 -> 65536 -> 10 is 65536 x 785 + 10 x 65537 = 51,445,760 + 655,370 = 52,101,130
  // weights, x 64 ranks = 3.3 x 10^9 > 2^31; the same widths on 2 ranks are accepted by validation.
  s["workload"]["hidden"] = {65536};
  s["cluster"]["nodes"] = 64;
  e = rejected_run(s);
  CHECK(contains(e, "/workload/hidden: gives 52101130 parameters per replica x 64 ranks"));
  s["cluster"]["nodes"] = 2;
  const std::string dir = dtsim::test::make_temp_dir();
  std::ofstream(dir + "/s.json") << s.dump();
  CHECK(dtsim::test::run_dtsim({"validate", dir + "/s.json"}).exit_code == 0);
}

TEST_CASE("core: bandwidths below 1 B/s are rejected (1e-300 deadlocked, 4.9e-324 aborted)") {
  for (const char* tiny : {"1e-300Bps", "4.9e-324Bps", "0.5Bps"}) {
    json s = dtsim::test::base_scenario(2);
    s["network"]["bandwidth"] = tiny;
    const std::string e = rejected_run(s);
    CHECK(contains(e, "/network/bandwidth: \"" + std::string(tiny) + "\" is below 1 B/s; allowed: >= 1 B/s"));
  }
  json s = dtsim::test::base_scenario(2);
  s["network"]["bandwidth"] = "1Bps";  // the bound itself runs
  const std::string dir = dtsim::test::make_temp_dir();
  CHECK(run(s, dir).exit_code == 0);
}

TEST_CASE("core: network jitter periods below 1 us are rejected (1e-300 s never advanced the clock)") {
  json s = dtsim::test::base_scenario(2);
  s["stragglers"] = {{"network_jitter", {{"sigma", 0.5}, {"period", "1e-300s"}}}};
  const std::string e = rejected_run(s);
  CHECK(contains(e, "/stragglers/network_jitter/period: \"1e-300s\" is below 1 us; allowed: >= 1us"));
}

TEST_CASE("core: network jitter that would redraw links without end stops with an error") {
  // Sigma 10 makes most draws near e^-50: a transfer spans billions of 1 ms periods (hung > 120 s).
  json s = dtsim::test::base_scenario(8);
  s["stragglers"] = {{"network_jitter", {{"sigma", 10}, {"period", "1ms"}}}};
  // That it ends at all is what the message shows (the test's CTest timeout guards against a hang);
  // its wall time is not asserted: it depends on the machine's load (30 s alone on 2 cores).
  const std::string dir = dtsim::test::make_temp_dir();
  const auto r = run(s, dir);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "stragglers.network_jitter: the run needed more than 20000000 link bandwidth updates"));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out/summary.json"));
}
