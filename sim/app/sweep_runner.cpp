#include "sim/app/sweep_runner.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "sim/app/process_pool.h"
#include "sim/app/sweep_point.h"
#include "sim/app/sweep_progress.h"
#include "sim/app/sweep_results.h"
#include "sim/base/atomic_file.h"
#include "sim/output/outputs.h"
#include "sim/base/wall_clock.h"

namespace dtsim {
namespace {

using nlohmann::json;

std::string default_out_dir(const SweepPlan& plan, const SweepRunOptions& options) {
  if (!options.out_dir.empty()) return options.out_dir;
  std::string dir = plan.output_dir;
  if (options.shard_n > 1)
    dir += "/shard-" + std::to_string(options.shard_k) + "-of-" + std::to_string(options.shard_n);
  return dir;
}

// The shard's points and what results.jsonl already holds about them.
struct ShardState {
  std::vector<const SweepPoint*> shard, todo;
  std::vector<SweepRow> rows;               // every row of results.jsonl, then those appended now
  std::map<std::string, bool> recorded;     // point id -> ok
  std::size_t torn_lines = 0, resumed = 0, resumed_failed = 0;
};

ShardState read_shard_state(const SweepPlan& plan, const SweepRunOptions& options, const std::string& jsonl) {
  ShardState s;
  s.shard = shard_points(plan, options.shard_k, options.shard_n);
  s.rows = read_sweep_rows(jsonl, &s.torn_lines);
  for (const SweepRow& row : latest_sweep_rows(s.rows)) s.recorded[row["point_id"].get<std::string>()] = row["status"] == "ok";
  for (const SweepPoint* p : s.shard) {
    auto it = s.recorded.find(p->id);
    if (it == s.recorded.end() || (!it->second && options.retry_failed)) {
      s.todo.push_back(p);
    } else {
      ++s.resumed;
      s.resumed_failed += !it->second;
    }
  }
  return s;
}

void list_points(const ShardState& s, std::ostream& out) {
  for (const SweepPoint* p : s.shard) {
    auto it = s.recorded.find(p->id);
    out << p->index << " " << p->id << " " << (it == s.recorded.end() ? "todo" : it->second ? "ok" : "failed") << " "
        << describe_point(*p) << "\n";
  }
}

// The output directory, results.jsonl opened (and locked) for appending, sweep.json. "" or the problem.
std::string open_outputs(const SweepPlan& plan, const std::string& out_dir, const std::string& jsonl, SweepLog& log) {
  if (std::string e = prepare_output_dir(out_dir); !e.empty()) return e;
  if (std::string e = log.open(jsonl); !e.empty()) return e;
  try {
    write_file_atomically(out_dir + "/sweep.json", plan.definition.dump(2) + "\n");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

void print_start(const SweepPlan& plan, const SweepRunOptions& options, const ShardState& s, const std::string& jsonl,
                 std::ostream& err) {
  if (s.torn_lines) err << "warning: " << jsonl << ": " << s.torn_lines << " torn line(s) ignored\n";
  std::set<std::string> ids;
  for (const SweepPoint& p : plan.points) ids.insert(p.id);
  std::size_t foreign = 0;
  for (const auto& entry : s.recorded) foreign += !ids.count(entry.first);
  if (foreign)
    err << "note: " << jsonl << " holds " << foreign << " point(s) that are not in this sweep (kept in the table)\n";
  err << "sweep " << plan.name << ": " << plan.points.size() << " points";
  if (options.shard_n > 1) err << ", shard " << options.shard_k << "/" << options.shard_n << " has " << s.shard.size();
  err << "; " << s.resumed << " already in " << jsonl << ", " << s.todo.size() << " to run with -j "
      << std::max(1, options.jobs) << "\n";
}

// The row results.jsonl records for a finished point.
SweepRow point_row(const SweepPlan& plan, const SweepPoint& p, const std::string& error, const json& result,
                   double wall) {
  SweepRow row;
  row["point_id"] = p.id;
  row["index"] = p.index;
  row["status"] = error.empty() ? "ok" : "failed";
  row["error"] = error.empty() ? SweepRow(nullptr) : SweepRow(error);
  row["params"] = SweepRow::object();
  for (const auto& [name, value] : p.params) row["params"][name] = SweepRow::parse(value.dump());
  row["overrides"] = SweepRow::parse(p.overrides.dump());
  row["dir"] = plan.point_outputs ? SweepRow("points/" + p.id) : SweepRow(nullptr);
  row["point_wall_s"] = wall;
  row["summary"] = error.empty() ? SweepRow::parse(result["summary"].dump()) : SweepRow(nullptr);
  return row;
}

// Runs the points still to do through the process pool, recording each as it finishes.
class PointRunner {
 public:
  PointRunner(const SweepPlan& plan, const SweepRunOptions& options, const std::string& out_dir, ShardState& state,
              SweepLog& log, std::ostream& err)
      : plan_(plan), options_(options), out_dir_(out_dir), state_(state), log_(log), err_(err),
        progress_(options.progress, err, state.shard.size(), state.resumed) {}

  // "" or the problem that stopped the sweep (a system call, results.jsonl not writable).
  std::string run() {
    if (state_.todo.empty() || !std::filesystem::exists(out_dir_ + "/results.csv")) write_csv();
    ProcessPoolOptions pool;
    pool.jobs = options_.jobs;
    pool.timeout_s = options_.timeout_s;
    pool.on_tick = [this](std::size_t running) {
      if (csv_dirty_ && seconds_since(last_csv_) >= 1.0) write_csv();
      progress_.draw(running);
    };
    const auto& todo = state_.todo;
    std::string fatal = run_in_children(
        todo.size(), [&](std::size_t i) { return simulate_sweep_point(plan_, *todo[i], out_dir_).dump(); },
        [this](ChildOutcome&& o, std::size_t running) { return record(o, running); }, pool);
    write_csv();
    progress_.end();
    return fatal.empty() ? log_error_ : fatal;
  }
  const SweepProgressDisplay& progress() const { return progress_; }

 private:
  bool record(const ChildOutcome& o, std::size_t running) {
    std::string error = o.failure;
    if (o.timed_out) error = "timed out after " + format_duration(options_.timeout_s) + " (--timeout)";
    else if (error.empty() && o.result.contains("error")) error = o.result["error"].get<std::string>();
    const SweepPoint& p = *state_.todo[o.index];
    SweepRow row = point_row(plan_, p, error, o.result, o.wall_s);
    try {
      log_.append(row);
    } catch (const std::exception& e) {
      log_error_ = e.what();
    }
    state_.rows.push_back(std::move(row));
    csv_dirty_ = true;
    progress_.finished(p, error.empty(), error, o.wall_s, running);
    return log_error_.empty();
  }
  void write_csv() {
    try {
      write_sweep_csv(out_dir_ + "/results.csv", latest_sweep_rows(state_.rows));
    } catch (const std::exception& e) {
      err_ << "warning: " << e.what() << "\n";
    }
    last_csv_ = WallClock::now();
    csv_dirty_ = false;
  }

  const SweepPlan& plan_;
  const SweepRunOptions& options_;
  const std::string& out_dir_;
  ShardState& state_;
  SweepLog& log_;
  std::ostream& err_;
  SweepProgressDisplay progress_;
  std::string log_error_;
  bool csv_dirty_ = false;
  WallClock::time_point last_csv_ = WallClock::now();
};

void print_totals(const SweepPlan& plan, const SweepRunOptions& options, const ShardState& s,
                  const SweepProgressDisplay& progress, double wall, const std::string& out_dir, std::ostream& out) {
  const std::size_t failed = progress.failed() + s.resumed_failed;
  out << "sweep " << plan.name << ": " << s.shard.size() << " points";
  if (options.shard_n > 1) out << " (shard " << options.shard_k << "/" << options.shard_n << ")";
  out << ": " << s.shard.size() - failed << " ok, " << failed << " failed; " << progress.done_now() << " run now in "
      << format_duration(wall) << ", " << s.resumed << " already done\n"
      << "  results   " << out_dir << "/results.csv (and results.jsonl)\n";
  if (s.resumed_failed)
    out << "  " << s.resumed_failed << " point(s) failed in an earlier run; --retry-failed runs them again\n";
}

}  // namespace

int run_sweep(const SweepPlan& plan, const SweepRunOptions& options, std::ostream& out, std::ostream& err) {
  const std::string out_dir = default_out_dir(plan, options);
  const std::string jsonl = out_dir + "/results.jsonl";
  ShardState state = read_shard_state(plan, options, jsonl);
  if (options.list_only) {
    list_points(state, out);
    return 0;
  }
  SweepLog log;
  if (std::string e = open_outputs(plan, out_dir, jsonl, log); !e.empty()) {
    err << "error: " << e << "\n";
    return 2;
  }
  print_start(plan, options, state, jsonl, err);
  const WallClock::time_point start = WallClock::now();
  PointRunner runner(plan, options, out_dir, state, log, err);
  if (std::string fatal = runner.run(); !fatal.empty()) {
    err << "error: " << fatal << "\n";
    return 1;
  }
  print_totals(plan, options, state, runner.progress(), seconds_since(start), out_dir, out);
  return runner.progress().failed() + state.resumed_failed ? 1 : 0;
}

}  // namespace dtsim
