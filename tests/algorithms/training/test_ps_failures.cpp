// Parameter servers under failures (run.recovery.policy "elastic", sim/engine/job_supervisor_servers.cpp):
// backup workers absorb dead workers (no update lost, no stop), one death too many ends the run, an
// asynchronous PS goes on without the dead worker's gradients, and a failed server shard rolls back
// to its checkpoint and redoes the lost updates.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "tests/support/test_support.h"

using nlohmann::json;

namespace {

json ps_job(const std::string& algorithm, int iterations) {
  json s = dtsim::test::base_scenario(4);
  s["workload"] = {{"params", 1000000}, {"bytes_per_param", 4}, {"compute_time", "10ms"}};
  s["algorithm"] = {{"name", algorithm}, {"servers", 1}};
  s["run"] = {{"iterations", iterations}, {"warmup_iterations", 1}};
  return s;
}

}  // namespace

TEST_CASE("PS failures: with b backup workers, b dead workers cost no update, b + 1 end the run") {
  const int n = 30;
  json s = ps_job("parameter_server", n);
  s["algorithm"]["backup_workers"] = 2;
  const json clean = dtsim::test::simulate(s);
  const double t = clean["sim_time_s"].get<double>();
  s["run"]["recovery"] = {{"policy", "elastic"}};
  s["failures"] = {{"events", {{{"at", t / 3}, {"gpu", 1}}, {{"at", t / 2}, {"gpu", 3}}}}};
  const json r = dtsim::test::simulate(s);
  const json& ps = r["parameter_server"];
  CHECK(ps["model_updates"] == n);  // every update made, none repeated
  CHECK(ps["updates_rolled_back"] == 0);
  CHECK(r["failures"]["failures_seen"] == 2);
  CHECK(r["failures"]["interruptions"] == 0);
  CHECK(r["failures"]["time_lost_s"]["recompute"].get<double>() == 0);
  CHECK(r["failures"]["final_ranks"] == 2);
  // Fewer pushes share the server's link: the run is no slower than without the failures.
  INFO("with failures " << r["sim_time_s"] << " s, without " << t << " s");
  CHECK(r["sim_time_s"].get<double>() <= t + 1e-9);

  s["failures"]["events"].push_back({{"at", 2 * t / 3}, {"gpu", 0}});  // a third death: 1 live < m = 2
  const json over = dtsim::test::simulate(s);
  CHECK(over["failures"]["ended_by_failure"] == true);
  CHECK(over["failures"]["interruptions"] == 1);
  CHECK(over["parameter_server"]["model_updates"].get<int>() < n);
}

TEST_CASE("PS failures: an asynchronous PS goes on without a dead worker's gradients") {
  const int n = 20, ranks = 4;
  json s = ps_job("async_parameter_server", n);
  const json clean = dtsim::test::simulate(s);
  const double t = clean["sim_time_s"].get<double>();
  s["run"]["recovery"] = {{"policy", "elastic"}};
  s["failures"] = {{"events", {{{"at", t / 4}, {"machine", 2}}}}};
  const json r = dtsim::test::simulate(s);
  // The budget of ranks x iterations updates is spent by the three left, so it takes longer.
  CHECK(r["parameter_server"]["gradients_applied"] == n * ranks);
  CHECK(r["failures"]["interruptions"] == 0);
  CHECK(r["failures"]["final_ranks"] == ranks - 1);
  INFO("with the failure " << r["sim_time_s"] << " s, without " << t << " s");
  CHECK(r["sim_time_s"].get<double>() > t);
}

TEST_CASE("PS failures: a failed server shard rolls back to its checkpoint and redoes the lost updates") {
  const int n = 20, ranks = 4, every = 7;
  const double restore = 0.2;
  json s = ps_job("async_parameter_server", n);
  const json clean = dtsim::test::simulate(s);
  const double t = clean["sim_time_s"].get<double>();
  s["run"]["recovery"] = {{"policy", "elastic"}, {"server_checkpoint_interval", every}, {"server_restore_time", restore}};
  s["failures"] = {{"events", {{{"at", t / 2}, {"server", 0}}}}};
  const json r = dtsim::test::simulate(s);
  const json& ps = r["parameter_server"];
  const int lost = ps["updates_rolled_back"].get<int>();
  INFO("rolled back " << lost << " updates; with the failure " << r["sim_time_s"] << " s, without " << t << " s");
  CHECK(lost >= 1);
  CHECK(lost < every);  // back to the last multiple of the interval
  // The budget counts the shard's version: the rolled-back updates are made again.
  CHECK(ps["gradients_applied"] == n * ranks + lost);
  CHECK(r["failures"]["failures_seen"] == 1);
  CHECK(r["failures"]["interruptions"] == 0);
  // The shard served nobody for `restore` seconds. A worker pushing then waits for it; of that wait,
  // only its compute (10 ms) and one push and pull through the server's link shared by 4 workers
  // (2 x 4 x 4 MB / 10 Gbps = 25.6 ms) could have overlapped the failure-free run's own work.
  CHECK(r["sim_time_s"].get<double>() >= t + restore - (0.010 + 0.0256));
}

TEST_CASE("PS failures: a failure of a server that does not exist, or under checkpoint_restart, is bad input") {
  const std::string dir = dtsim::test::make_temp_dir();
  auto validate = [&](const json& scenario) {
    const std::string path = dir + "/s.json";
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs(scenario.dump().c_str(), f);
    std::fclose(f);
    return dtsim::test::run_dtsim({"validate", path});
  };
  json s = ps_job("async_parameter_server", 5);
  s["failures"] = {{"events", {{{"at", "1ms"}, {"server", 3}}}}};
  s["run"]["recovery"] = {{"policy", "elastic"}};
  const auto unknown = validate(s);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("/failures/events/0/server") != std::string::npos);
  CHECK(unknown.err.find("0 to 0") != std::string::npos);
  s["failures"]["events"][0]["server"] = 0;
  s["run"]["recovery"] = {{"policy", "checkpoint_restart"}, {"interval", 2}, {"checkpoint_time", "1ms"}};
  const auto policy = validate(s);
  CHECK(policy.exit_code == 2);
  CHECK(policy.err.find("/run/recovery/policy") != std::string::npos);
}
