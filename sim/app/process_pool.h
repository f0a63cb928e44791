// Runs tasks in forked children, at most `jobs` at once, and collects what each child wrote back: its
// JSON, or why there is none (killed by a signal, exited without a result, wrote something that is not
// JSON, ran past the timeout). SimGrid allows one simulation per process, so sweeps, `dtsim collective`
// and the tests run every simulation through this one component.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dtsim {

// What one child gave back.
struct ChildOutcome {
  std::size_t index = 0;     // which task
  nlohmann::json result;     // the child's JSON; null when `failure` is set
  std::string failure;       // "" or why no JSON came back
  bool timed_out = false;    // killed because it ran past ProcessPoolOptions::timeout_s
  double wall_s = 0;         // from fork to collection, wall clock
};

struct ProcessPoolOptions {
  int jobs = 1;              // children alive at once (at least 1)
  double timeout_s = 0;      // a child running longer is killed (SIGKILL) and reported timed out; 0: none
  // Called in the parent about every 250 ms while children run, with how many run (e.g. to redraw progress).
  std::function<void(std::size_t running)> on_tick;
};

// Runs in the child: returns the text sent back (JSON expected). An exception it throws is sent back as
// {"error": what()}. The child ends with _exit, so nothing of the parent's state is destroyed twice.
using ChildTask = std::function<std::string(std::size_t index)>;
// Runs in the parent as each child ends (in the order they end), with how many others still run.
// Returning false starts no further child; those running are still collected.
using ChildDone = std::function<bool(ChildOutcome&& outcome, std::size_t still_running)>;

// Runs task(0) .. task(count - 1), starting them in index order. Every child is killed (SIGKILL) if the
// parent dies. Returns "" or the system call that failed (pipe, fork, poll); after such a failure no
// further child starts, and those running are collected before it returns.
std::string run_in_children(std::size_t count, const ChildTask& task, const ChildDone& on_done,
                            const ProcessPoolOptions& options = {});

// The same, collecting every outcome into a vector in task order. A task that could not start (the
// system call failed) has that problem as its failure.
std::vector<ChildOutcome> run_all_in_children(std::size_t count, const ChildTask& task,
                                              const ProcessPoolOptions& options = {});

}  // namespace dtsim
