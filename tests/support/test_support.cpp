#include "tests/support/test_support.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/app/child_process.h"
#include "sim/engine/engine.h"
#include "sim/output/metrics.h"
#include "sim/scenario/scenario.h"
#include "sim/engine/load_scenario.h"
#include "sim/engine/simgrid_setup.h"
#include "sim/plugin/physical_topology.h"

namespace dtsim::test {

nlohmann::json simulate_actors(int workers, int servers,
                               const std::function<void(dtsim::Cluster& cluster, nlohmann::json& out)>& body) {
  return dtsim::run_in_child_process([&] {
    const dtsim::ScenarioResult read = dtsim::read_scenario(base_scenario(workers));
    if (!read.ok()) throw std::runtime_error(read.errors.front());
    const dtsim::Scenario& s = read.scenario;
    auto engine = dtsim::start_simgrid("dtsim-test", s, servers);
    dtsim::Recorder recorder(false);
    dtsim::Cluster cluster{s, {}, workers, recorder};
    cluster.hosts = dtsim::PhysicalTopologyRegistry::create(s.network.topology, s.network.topology_options)->build(s, servers);
    nlohmann::json out;
    body(cluster, out);
    engine->run();
    return out;
  });
}

nlohmann::json simulate(const nlohmann::json& document) {
  ScenarioResult parsed = parse_scenario(document);
  for (const auto& e : parsed.errors) FAIL_CHECK("scenario error: " << e);
  REQUIRE(parsed.ok());
  nlohmann::json result = run_in_child_process([&] {
    RunResult run = run_simulation(parsed.scenario);
    std::vector<IterationRow> rows = iteration_rows(parsed.scenario, run);
    nlohmann::json summary = summarize(parsed.scenario, run, rows);
    for (const IterationRow& r : rows)
      summary["rows"].push_back({{"iteration_time", r.iteration_time}, {"compute", r.compute}, {"comm", r.comm},
                                 {"exposed_comm", r.exposed_comm}, {"wait_mean", r.wait_mean},
                                 {"wait_max", r.wait_max}, {"input_wait_mean", r.input_wait_mean},
                                 {"input_wait_max", r.input_wait_max}, {"bytes_sent_per_rank", r.bytes_sent_per_rank},
                                 {"consensus_distance", r.consensus_distance}});  // NaN (null): not evaluated
    if (run.numerics) summary["final_params"] = run.numerics->final_params;
    return summary;
  });
  if (result.contains("error")) FAIL("simulation failed: " << result["error"].get<std::string>());
  return result;
}

namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

void skip_test(const std::string& reason) {
  const char* code = std::getenv("DTSIM_TEST_SKIP_EXIT_CODE");
  if (code == nullptr || *code == '\0') {
    MESSAGE("skipped: " << reason);
    return;
  }
  std::cout << "skipped: " << reason << std::endl;
  std::exit(std::atoi(code));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

std::string write_scenario(const std::string& dir, const nlohmann::json& scenario) {
  const std::string path = dir + "/scenario.json";
  std::ofstream(path) << scenario.dump(2);
  return path;
}

std::string make_temp_dir() {
  std::string pattern = "/tmp/dtsim-test-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  REQUIRE(made != nullptr);
  return pattern;
}

CommandResult run_dtsim(const std::vector<std::string>& args) {
  const std::string dir = make_temp_dir();
  std::string command = shell_quote(DTSIM_BINARY);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " >" + dir + "/stdout 2>" + dir + "/stderr";
  const int status = std::system(command.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(dir + "/stdout");
  r.err = read_file(dir + "/stderr");
  std::system(("rm -rf " + shell_quote(dir)).c_str());
  return r;
}

std::string scenario_errors(const nlohmann::json& scenario) {
  std::string all;
  for (const std::string& e : parse_scenario(scenario).errors) all += e + "\n";
  return all;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

nlohmann::json base_scenario(int nodes) {
  return {{"name", "test"},
          {"cluster", {{"nodes", nodes}}},
          {"network", {{"topology", "switch"}, {"bandwidth", "10Gbps"}, {"latency", "2us"}, {"model", "exact"}}},
          {"workload", {{"params", 1000000}, {"bytes_per_param", 4}, {"compute_time", "10ms"}}},
          {"run", {{"iterations", 3}, {"warmup_iterations", 1}}},
          {"output", {{"trace", false}}}};
}

nlohmann::json least_squares_workload(int dim, int samples_per_rank, double heterogeneity, double lr) {
  return {{"model", "linear_regression"},
          {"batch_per_gpu", samples_per_rank},
          {"dataset", {{"name", "synthetic_least_squares"}, {"dim", dim}, {"samples_per_rank", samples_per_rank},
                       {"heterogeneity", heterogeneity}}},
          {"optimizer", {{"name", "sgd"}, {"lr", lr}}}};
}

double mean_squared_distance(const nlohmann::json& final_params, const Eigen::VectorXd& x_star) {
  double total = 0;
  for (const auto& p : final_params) {
    const auto x = p.get<std::vector<float>>();
    for (size_t i = 0; i < x.size(); ++i) total += (x[i] - x_star[i]) * (x[i] - x_star[i]);
  }
  return total / final_params.size();
}

}  // namespace dtsim::test
