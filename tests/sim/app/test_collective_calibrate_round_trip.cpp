// `dtsim collective` writes nccl-tests' layout with rank lines, so `dtsim calibrate` reads its output as it
// reads a real all_reduce_perf log: fitting the ring allreduce of a 25 Gbps, 5 us-per-link switch (exact
// model) must give back that platform: efficiency 1 and no overhead on the 10 us two-link route.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

TEST_CASE("collectives: dtsim calibrate on dtsim collective's output recovers the simulated platform") {
  const std::string dir = dtsim::test::make_temp_dir();
  auto run = dtsim::test::run_dtsim({"collective", "--nodes", "4", "--algorithms", "ring", "-b", "1M", "-e", "256M",
                                     "-f", "4"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  std::ofstream(dir + "/ring.log") << run.out;
  auto fit = dtsim::test::run_dtsim({"calibrate", dir + "/ring.log", "--out", dir + "/profile.json", "--name", "self",
                                     "--system", "dtsim", "--source", "dtsim collective", "--inter-bandwidth",
                                     "25Gbps", "--inter-latency", "10us"});
  INFO(fit.out << fit.err);
  REQUIRE(fit.exit_code == 0);
  const auto profile = nlohmann::json::parse(dtsim::test::read_file(dir + "/profile.json"));
  const auto& log = profile["logs"][0];
  CHECK(log["ranks"] == 4);  // from the rank lines: 4 ranks on 4 hosts -> the inter-node tier
  CHECK(log["hosts"] == 4);
  CHECK(log["tier"] == "inter_node");
  const auto& tier = profile["tiers"]["inter_node"];
  // Times are printed to 0.01 us: the fit is exact to that rounding.
  CHECK(tier["efficiency"].get<double>() == doctest::Approx(1.0).epsilon(1e-5));
  CHECK(tier["alpha"].get<double>() == doctest::Approx(10e-6).epsilon(1e-3));
  CHECK(tier["overhead"].get<double>() < 1e-8);  // s: under 0.01 us
  CHECK(tier["fit"]["max_relative_error"].get<double>() < 1e-5);
}
