// The process pool (sim/app/process_pool.h) that sweeps, `dtsim collective` and the tests run every
// simulation through: each child's JSON comes back to its own task, and every way a child can fail
// (crash, non-zero exit without a result, text that is not JSON, an exception, a timeout) is named.
#include <doctest/doctest.h>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "sim/app/child_process.h"
#include "sim/app/process_pool.h"

namespace {

using nlohmann::json;
using dtsim::ChildOutcome;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Dies by `signal` as a crash would, without the test framework's crash handler reporting it.
[[noreturn]] void crash(int signal) {
  std::signal(signal, SIG_DFL);
  ::raise(signal);
  ::_exit(99);
}

// CLOCK_MONOTONIC is one clock for every process of the machine, so children's spans compare.
double monotonic_s() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// The most spans [start, end] that overlap at one instant.
int max_overlap(const std::vector<ChildOutcome>& outcomes) {
  std::vector<std::pair<double, int>> events;  // (time, +1 start / -1 end); ends sort before starts at a tie
  for (const ChildOutcome& o : outcomes) {
    events.emplace_back(o.result["start"].get<double>(), +1);
    events.emplace_back(o.result["end"].get<double>(), -1);
  }
  std::sort(events.begin(), events.end());
  int now = 0, most = 0;
  for (const auto& e : events) most = std::max(most, now += e.second);
  return most;
}

}  // namespace

TEST_CASE("process pool: each task's JSON comes back to its own index, from its own process") {
  const pid_t parent = ::getpid();
  dtsim::ProcessPoolOptions options;
  options.jobs = 3;
  // Later tasks finish first (shorter sleeps), so completion order differs from task order.
  const std::vector<ChildOutcome> outcomes = dtsim::run_all_in_children(
      6,
      [](std::size_t i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * (6 - static_cast<int>(i))));
        return json{{"index", i}, {"square", i * i}, {"pid", ::getpid()}}.dump();
      },
      options);
  REQUIRE(outcomes.size() == 6);
  std::vector<int> pids;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    CHECK(outcomes[i].index == i);
    CHECK_MESSAGE(outcomes[i].failure.empty(), outcomes[i].failure);
    CHECK(outcomes[i].result["index"] == i);
    CHECK(outcomes[i].result["square"] == i * i);
    CHECK(outcomes[i].result["pid"] != parent);
    pids.push_back(outcomes[i].result["pid"].get<int>());
  }
  std::sort(pids.begin(), pids.end());
  CHECK(std::unique(pids.begin(), pids.end()) == pids.end());  // one process per task
}

TEST_CASE("process pool: a crash, an exit without result, bad JSON and an exception are each named") {
  dtsim::ProcessPoolOptions options;
  options.jobs = 4;
  const std::vector<ChildOutcome> outcomes = dtsim::run_all_in_children(
      5,
      [](std::size_t i) -> std::string {
        if (i == 0) crash(SIGSEGV);
        if (i == 1) ::_exit(3);
        if (i == 2) return "{\"half\": ";
        if (i == 3) throw std::runtime_error("task 3 failed on purpose");
        return std::string(200000, ' ') + "{\"big\": true}";  // more than a pipe holds at once
      },
      options);
  REQUIRE(outcomes.size() == 5);
  CHECK(contains(outcomes[0].failure, "child killed by signal " + std::to_string(SIGSEGV)));
  CHECK(outcomes[0].result.is_null());
  CHECK(outcomes[1].failure == "child produced no result (exit status 3)");
  CHECK(contains(outcomes[2].failure, "child result is not JSON"));
  CHECK(outcomes[3].failure.empty());  // the task ran and said why it failed
  CHECK(outcomes[3].result == json{{"error", "task 3 failed on purpose"}});
  CHECK(outcomes[4].failure.empty());
  CHECK(outcomes[4].result == json{{"big", true}});
  for (const ChildOutcome& o : outcomes) CHECK_FALSE(o.timed_out);
}

TEST_CASE("process pool: at most `jobs` children run at once, and that many do") {
  for (int jobs : {1, 2, 3}) {
    dtsim::ProcessPoolOptions options;
    options.jobs = jobs;
    const std::vector<ChildOutcome> outcomes = dtsim::run_all_in_children(
        6,
        [](std::size_t) {
          const double start = monotonic_s();
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          return json{{"start", start}, {"end", monotonic_s()}}.dump();
        },
        options);
    for (const ChildOutcome& o : outcomes) REQUIRE_MESSAGE(o.failure.empty(), o.failure);
    CHECK_MESSAGE(max_overlap(outcomes) == jobs, "jobs " << jobs);
  }
}

TEST_CASE("process pool: a child past the timeout is killed and reported timed out, the others finish") {
  dtsim::ProcessPoolOptions options;
  options.jobs = 2;
  options.timeout_s = 0.5;
  const double start = monotonic_s();
  const std::vector<ChildOutcome> outcomes = dtsim::run_all_in_children(
      2,
      [](std::size_t i) {
        if (i == 0) std::this_thread::sleep_for(std::chrono::seconds(60));
        return json{{"done", i}}.dump();
      },
      options);
  CHECK(monotonic_s() - start < 20);
  CHECK(outcomes[0].timed_out);
  CHECK(contains(outcomes[0].failure, "timed out after 0.5 s"));
  CHECK(outcomes[0].wall_s >= 0.5);
  CHECK_FALSE(outcomes[1].timed_out);
  CHECK(outcomes[1].result == json{{"done", 1}});
}

TEST_CASE("process pool: children end in their own order, and on_done can stop further starts") {
  std::vector<std::size_t> order;
  std::vector<std::size_t> still_running;
  dtsim::ProcessPoolOptions options;
  options.jobs = 2;
  const std::string fatal = dtsim::run_in_children(
      5,
      [](std::size_t i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(i == 0 ? 600 : 50));
        return json{{"i", i}}.dump();
      },
      [&](ChildOutcome&& o, std::size_t running) {
        order.push_back(o.index);
        still_running.push_back(running);
        return o.index != 2;  // after task 2 ends, start no more
      },
      options);
  CHECK(fatal.empty());
  // Task 0 sleeps longest: 1 and 2 end while it runs; nothing starts after 2; 0 is still collected.
  CHECK(order == std::vector<std::size_t>{1, 2, 0});
  CHECK(still_running == std::vector<std::size_t>{1, 1, 0});
}

TEST_CASE("process pool: run_in_child_process returns the task's JSON or names the failure") {
  CHECK(dtsim::run_in_child_process([] { return json{{"x", 42}}; }) == json{{"x", 42}});
  const json crashed = dtsim::run_in_child_process([]() -> json { crash(SIGABRT); });
  CHECK(contains(crashed["error"].get<std::string>(), "child killed by signal " + std::to_string(SIGABRT)));
  const json thrown = dtsim::run_in_child_process([]() -> json { throw std::runtime_error("no"); });
  CHECK(thrown == json{{"error", "no"}});
}
