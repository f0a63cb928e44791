// A run into a directory holding an earlier run, killed with SIGKILL at many points, leaves that
// directory holding one whole run (the old or the new), and the next run leaves no temporaries.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using dtsim::test::make_temp_dir;
using dtsim::test::read_file;

namespace {

const char* const kOutputs[] = {"summary.json", "iterations.csv", "trace.json"};

// The outputs' content that identifies a run (summary.json without its wall time). Absent files are "".
std::map<std::string, std::string> run_files(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const char* name : kOutputs) {
    const std::string path = dir + "/" + name;
    if (!fs::exists(path)) continue;
    std::string text = read_file(path);
    if (std::string(name) == "summary.json") {
      nlohmann::json summary = nlohmann::json::parse(text);
      summary.erase("wall_time_s");
      if (summary.contains("scenario") && summary["scenario"].contains("output"))
        summary["scenario"]["output"].erase("dir");  // where the reference was written
      text = summary.dump();
    }
    files[name] = text;
  }
  return files;
}

std::string write_scenario(const std::string& dir, const std::string& name, int iterations, bool trace) {
  nlohmann::json s = dtsim::test::base_scenario(8);
  s["name"] = name;
  s["run"]["iterations"] = iterations;
  s["output"]["trace"] = trace;
  const std::string path = dir + "/" + name + ".json";
  std::ofstream(path) << s.dump(2);
  return path;
}

// Runs `dtsim run scenario --out dir -q`; kills it with SIGKILL after `kill_after` seconds unless
// negative. `kill_step` sets DTSIM_TEST_KILL_AT_STEP (0: unset). Returns the wait status.
int run_and_maybe_kill(const std::string& scenario, const std::string& dir, double kill_after, int kill_step) {
  std::fflush(nullptr);  // else the child's freopen writes out what the parent had buffered
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (kill_step > 0) ::setenv("DTSIM_TEST_KILL_AT_STEP", std::to_string(kill_step).c_str(), 1);
    std::freopen("/dev/null", "w", stdout);
    ::execl(DTSIM_BINARY, DTSIM_BINARY, "run", scenario.c_str(), "--out", dir.c_str(), "-q", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (kill_after >= 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(kill_after));
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

void copy_run(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::create_directories(to);
  for (const char* name : kOutputs)
    if (fs::exists(from + "/" + name)) fs::copy_file(from + "/" + name, to + "/" + name);
  std::ofstream(to + "/notes.txt") << "the user's own file\n";  // not ours: must survive every swap
}

// Temporaries a run left inside `dir`: "<file>.tmp.<pid>" and anything of dtsim's own making.
std::vector<std::string> temporaries_inside(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp.") != std::string::npos || name.find("dtsim-") != std::string::npos)
      found.push_back(e.path().string());
  }
  return found;
}

// Staging directories a killed run left beside `dir` (the next run into `dir` removes them).
std::vector<std::string> staging_beside(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(fs::path(dir).parent_path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind("." + fs::path(dir).filename().string() + ".dtsim-staging.", 0) == 0)
      found.push_back(e.path().string());
  }
  return found;
}

// Every file in `dir` and beside it that a run left behind: temporaries and staging directories.
std::vector<std::string> leftovers(const std::string& dir) {
  std::vector<std::string> found = staging_beside(dir), inside = temporaries_inside(dir);
  found.insert(found.end(), inside.begin(), inside.end());
  return found;
}

}  // namespace

TEST_CASE("a run killed at any point leaves its output directory holding one whole run") {
  const std::string root = make_temp_dir();
  // Old run: 3 iterations with a trace; new run: 40 iterations without one (an old trace.json must not
  // survive beside it). The long new run spreads the timed kills over start-up, simulation and writing.
  const std::string old_scenario = write_scenario(root, "old", 3, true);
  const std::string new_scenario = write_scenario(root, "new", 400, false);
  REQUIRE(WIFEXITED(run_and_maybe_kill(old_scenario, root + "/ref-old", -1, 0)));
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(WIFEXITED(run_and_maybe_kill(new_scenario, root + "/ref-new", -1, 0)));
  const double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto old_files = run_files(root + "/ref-old"), new_files = run_files(root + "/ref-new");
  REQUIRE(old_files.size() == 3);
  REQUIRE(new_files.size() == 2);
  REQUIRE(old_files.at("summary.json") != new_files.at("summary.json"));
  REQUIRE(old_files.at("iterations.csv") != new_files.at("iterations.csv"));

  const std::string out = root + "/runs/out";
  int saw_old = 0, saw_new = 0, left_staging = 0;
  auto check_whole = [&](const std::string& when) {
    INFO(when);
    const auto now = run_files(out);
    const bool is_old = now == old_files, is_new = now == new_files;
    CHECK((is_old || is_new));
    saw_old += is_old;
    saw_new += is_new;
    CHECK(read_file(out + "/notes.txt") == "the user's own file\n");
    // No temporary is ever inside the directory: a killed run's partial files are in its staging
    // directory beside it, which the next run removes (checked at the end).
    const std::vector<std::string> temporaries = temporaries_inside(out);
    CHECK_MESSAGE(temporaries.empty(), "left inside: " << (temporaries.empty() ? "" : temporaries.front()));
    left_staging += !staging_beside(out).empty();
  };
  // Exact points between the swap's system calls (the test hook), into a populated directory.
  for (int step = 1; step <= 3; ++step) {
    copy_run(root + "/ref-old", out);
    const int status = run_and_maybe_kill(new_scenario, out, -1, step);
    CHECK(WIFSIGNALED(status));
    check_whole("kill at step " + std::to_string(step));
  }
  // 30 timed kills spread over 1.1 times a whole run.
  for (int i = 1; i <= 30; ++i) {
    copy_run(root + "/ref-old", out);
    run_and_maybe_kill(new_scenario, out, full * 1.1 * i / 30, 0);
    check_whole("kill after " + std::to_string(full * 1.1 * i / 30) + " s of " + std::to_string(full) + " s");
  }
  MESSAGE("timed kills and hook kills: " << saw_old << " left the old run, " << saw_new << " the new one; "
                                         << left_staging << " left a staging directory beside it");
  CHECK(saw_old > 0);
  CHECK(saw_new > 0);
  // The next run, completed, removes what killed runs left behind and publishes the new run.
  copy_run(root + "/ref-old", out);
  run_and_maybe_kill(new_scenario, out, -1, 3);  // leaves the old run in a staging directory beside out
  std::ofstream(out + "/trace.json.tmp.999999999") << "a killed writer's temporary";  // no such pid
  CHECK(!leftovers(out).empty());
  REQUIRE(WIFEXITED(run_and_maybe_kill(new_scenario, out, -1, 0)));
  CHECK(run_files(out) == new_files);
  CHECK(leftovers(out).empty());
  fs::remove_all(root);
}

TEST_CASE("a run into an empty or new directory, killed before publishing, leaves no outputs") {
  const std::string root = make_temp_dir();
  const std::string scenario = write_scenario(root, "s", 3, true);
  for (int step = 1; step <= 2; ++step) {
    const std::string out = root + "/out" + std::to_string(step);
    CHECK(WIFSIGNALED(run_and_maybe_kill(scenario, out, -1, step)));
    CHECK(run_files(out).empty());
  }
  CHECK(WIFEXITED(run_and_maybe_kill(scenario, root + "/out1", -1, 0)));
  CHECK(run_files(root + "/out1").size() == 3);
  CHECK(leftovers(root + "/out1").empty());
  fs::remove_all(root);
}

TEST_CASE("a run into a symlinked directory or one holding a subdirectory replaces the earlier run") {
  const std::string root = make_temp_dir();
  const std::string first = write_scenario(root, "first", 3, true), second = write_scenario(root, "second", 5, false);
  REQUIRE(WIFEXITED(run_and_maybe_kill(second, root + "/ref", -1, 0)));
  const auto expected = run_files(root + "/ref");
  // A symlink stays a symlink: the directory it names is the one swapped.
  fs::create_directories(root + "/real");
  fs::create_directory_symlink(root + "/real", root + "/link");
  REQUIRE(WIFEXITED(run_and_maybe_kill(first, root + "/link", -1, 0)));
  REQUIRE(WIFEXITED(run_and_maybe_kill(second, root + "/link", -1, 0)));
  CHECK(fs::is_symlink(root + "/link"));
  CHECK(run_files(root + "/real") == expected);
  CHECK(leftovers(root + "/real").empty());
  // A subdirectory cannot be carried by a hard link: the files are replaced one by one (fallback),
  // the subdirectory stays, and the first run's trace.json, which the second run has not, is gone.
  const std::string out = root + "/with-subdir";
  REQUIRE(WIFEXITED(run_and_maybe_kill(first, out, -1, 0)));
  fs::create_directories(out + "/plots");
  REQUIRE(WIFEXITED(run_and_maybe_kill(second, out, -1, 0)));
  CHECK(run_files(out) == expected);
  CHECK(fs::is_directory(out + "/plots"));
  CHECK(leftovers(out).empty());
  fs::remove_all(root);
}


TEST_CASE("a sweep rerun removes temporaries that killed writers left in its directories") {
  const std::string root = make_temp_dir();
  nlohmann::json base = dtsim::test::base_scenario(2);
  nlohmann::json sweep = {{"name", "tiny"},
                          {"base", base},
                          {"axes", nlohmann::json::array({{{"pointer", "/cluster/nodes"}, {"values", {2, 4}}, {"name", "nodes"}}})},
                          {"point_outputs", true},
                          {"output_dir", root + "/out"}};
  std::ofstream(root + "/sweep.json") << sweep.dump(2);
  auto first = dtsim::test::run_dtsim({"sweep", root + "/sweep.json"});
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  // What a writer killed mid-write leaves (pid 999999999 does not exist), in the sweep's directory and
  // in a point's: both go when the sweep runs again (its points are rerun: results.jsonl is gone).
  std::ofstream(root + "/out/results.csv.tmp.999999999") << "partial";
  std::string point_dir;
  for (const auto& e : fs::directory_iterator(root + "/out/points")) point_dir = e.path().string();
  REQUIRE(!point_dir.empty());
  fs::remove(root + "/out/results.jsonl");
  std::ofstream(point_dir + "/trace.json.tmp.999999999") << "partial";
  auto second = dtsim::test::run_dtsim({"sweep", root + "/sweep.json"});
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  CHECK(!fs::exists(root + "/out/results.csv.tmp.999999999"));
  CHECK(!fs::exists(point_dir + "/trace.json.tmp.999999999"));
  CHECK(fs::exists(point_dir + "/summary.json"));
  CHECK(leftovers(point_dir).empty());
  fs::remove_all(root);
}
