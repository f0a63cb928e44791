// Helpers shared by the core tests: simulate a scenario in a child process, run the dtsim binary.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace dtsim {
struct Cluster;
}

namespace dtsim::test {

// A simulation of hand-written actors, in a forked child: the platform of base_scenario(workers) with
// `servers` server endpoints after the workers; `body` creates the actors on `cluster` and writes what
// they observe into `out`, which is returned once the simulation has ended.
nlohmann::json simulate_actors(int workers, int servers,
                               const std::function<void(dtsim::Cluster& cluster, nlohmann::json& out)>& body);

// Parses `scenario` (must be valid), simulates it in a forked child and returns summary.json's content
// plus "rows" (the per-iteration rows). Fails the test on invalid input.
nlohmann::json simulate(const nlohmann::json& scenario);

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs the built dtsim binary with `args` (shell-quoted here).
CommandResult run_dtsim(const std::vector<std::string>& args);

// A fresh empty directory under the system temp dir.
std::string make_temp_dir();
// Writes `scenario` to `dir`/scenario.json and returns that path (for run_dtsim).
std::string write_scenario(const std::string& dir, const nlohmann::json& scenario);
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);

// Reports the running test case as skipped, printing "skipped: <reason>". Under CTest, which sets
// DTSIM_TEST_SKIP_EXIT_CODE for every doctest case (one process per case; see CMakeLists.txt), it ends
// the process with that code, which the tests' SKIP_RETURN_CODE makes CTest count as "Skipped", not
// passed. Run directly (build/dtsim_tests, many cases in one process) it only prints the reason and
// returns, so that the other cases still run: the caller returns right after it.
void skip_test(const std::string& reason);

// Every error parse_scenario reports for `scenario`, one per line ("" : valid).
std::string scenario_errors(const nlohmann::json& scenario);
bool contains(const std::string& haystack, const std::string& needle);

// A minimal valid scenario for timing tests: `nodes` on one switch, exact model, explicit sizes.
nlohmann::json base_scenario(int nodes);

// The workload of full-batch training on synthetic least squares (known optimum x*): each rank's batch
// is its whole shard of `samples_per_rank`, so the only noise is the ranks' disagreement.
nlohmann::json least_squares_workload(int dim, int samples_per_rank, double heterogeneity, double lr);

// Mean over ranks of |x_r - x*|^2, from summary.json's final_params (one parameter vector per rank).
double mean_squared_distance(const nlohmann::json& final_params, const Eigen::VectorXd& x_star);

}  // namespace dtsim::test
