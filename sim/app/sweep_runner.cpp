#include "sim/app/sweep_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "sim/base/atomic_file.h"
#include "sim/output/outputs.h"
#include "sim/app/sweep_results.h"
#include "sim/app/sweep_simulate.h"
#include "sim/engine/backend_available.h"
#include "sim/engine/load_scenario.h"

namespace dtsim {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string format_duration(double s) {
  char text[32];
  if (s < 10) std::snprintf(text, sizeof text, "%.1f s", s);
  else if (s < 60) std::snprintf(text, sizeof text, "%.0f s", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(text, sizeof text, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  return text;
}

std::string describe(const SweepPoint& p) {
  std::string text;
  for (const auto& [name, value] : p.params)
    text += (text.empty() ? "" : " ") + name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  return text.empty() ? "(base)" : text;
}

// The child: simulate one point and write its result JSON to `fd`. Never returns.
[[noreturn]] void child_main(const SweepPlan& plan, const SweepPoint& point, const std::string& out_dir, int fd,
                             pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed sweep takes its running points with it
  if (::getppid() != parent) ::_exit(1);
  json result;
  try {
    json doc = point_document(plan, point);
    std::string point_dir;
    if (plan.point_outputs) {
      point_dir = out_dir + "/points/" + point.id;
      doc["output"]["dir"] = point_dir;
    } else {
      doc["output"]["trace"] = false;
    }
    // Whatever the simulator prints goes to the point's log, not over the progress display.
    const std::string log = plan.point_outputs ? point_dir + "/log.txt" : "/dev/null";
    if (plan.point_outputs) std::filesystem::create_directories(point_dir);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      ::close(log_fd);
    }
    ScenarioResult parsed = parse_scenario(doc);
    if (!parsed.ok()) {
      std::string message;
      for (const auto& e : parsed.errors) message += (message.empty() ? "" : "; ") + e;
      throw std::runtime_error("invalid scenario: " + message);
    }
    if (std::string e = backend_unavailable(parsed.scenario); !e.empty()) throw std::runtime_error(e);
    if (plan.point_outputs)
      if (std::string e = prepare_output_dir(point_dir); !e.empty()) throw std::runtime_error(e);
    result = {{"summary", simulate_and_summarize(parsed.scenario, plan.point_outputs)}};
  } catch (const std::exception& e) {
    result = {{"error", e.what()}};
  }
  const std::string text = result.dump();
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (plan.point_outputs && std::filesystem::exists(out_dir + "/points/" + point.id + "/log.txt") &&
      std::filesystem::file_size(out_dir + "/points/" + point.id + "/log.txt") == 0)
    std::filesystem::remove(out_dir + "/points/" + point.id + "/log.txt");
  ::_exit(0);
}

struct Running {
  const SweepPoint* point = nullptr;
  pid_t pid = -1;
  int fd = -1;
  std::string text;
  Clock::time_point start;
  bool timed_out = false;
};

class Progress {
 public:
  Progress(SweepProgress mode, std::ostream& err, std::size_t total, std::size_t resumed)
      : mode_(mode), err_(err), total_(total), resumed_(resumed), start_(Clock::now()) {
    if (mode_ == SweepProgress::automatic) mode_ = ::isatty(STDERR_FILENO) ? SweepProgress::bar : SweepProgress::lines;
  }
  void finished(const SweepPoint& p, bool ok, const std::string& error, double wall, std::size_t running) {
    ++done_now_;
    if (!ok) ++failed_;
    if (mode_ == SweepProgress::lines) {
      err_ << "[" << resumed_ + done_now_ << "/" << total_ << "] " << (ok ? "ok    " : "FAILED") << " point " << p.index
           << " " << p.id << " " << describe(p) << " (" << std::fixed << std::setprecision(2) << wall << " s)"
           << std::defaultfloat << (ok ? "" : ": " + error) << "; " << running << " running, " << failed_
           << " failed, ETA " << eta() << "\n";
      err_.flush();
    } else if (mode_ == SweepProgress::bar) {
      if (!ok) {
        err_ << "\r\033[K" << "FAILED point " << p.index << " " << p.id << " " << describe(p) << ": " << error << "\n";
      }
      draw(running, true);
    }
  }
  void draw(std::size_t running, bool force = false) {
    if (mode_ != SweepProgress::bar) return;
    if (!force && seconds_since(last_draw_) < 0.25) return;
    last_draw_ = Clock::now();
    const std::size_t done = resumed_ + done_now_;
    const int width = 30;
    const int filled = total_ ? static_cast<int>(width * done / total_) : width;
    err_ << "\r\033[K[" << std::string(filled, '#') << std::string(width - filled, '-') << "] " << done << "/" << total_
         << " done, " << running << " running, " << failed_ << " failed, " << format_duration(seconds_since(start_))
         << " elapsed, ETA " << eta();
    err_.flush();
  }
  void end() {
    if (mode_ == SweepProgress::bar) err_ << "\n";
  }
  std::size_t done_now() const { return done_now_; }
  std::size_t failed() const { return failed_; }

 private:
  std::string eta() const {
    const std::size_t remaining = total_ - resumed_ - done_now_;
    if (remaining == 0) return "0.0 s";
    if (done_now_ == 0) return "?";
    return format_duration(seconds_since(start_) / static_cast<double>(done_now_) * static_cast<double>(remaining));
  }
  SweepProgress mode_;
  std::ostream& err_;
  std::size_t total_, resumed_, done_now_ = 0, failed_ = 0;
  Clock::time_point start_, last_draw_{};
};

}  // namespace

int run_sweep(const SweepPlan& plan, const SweepRunOptions& options, std::ostream& out, std::ostream& err) {
  std::string out_dir = options.out_dir;
  if (out_dir.empty()) {
    out_dir = plan.output_dir;
    if (options.shard_n > 1)
      out_dir += "/shard-" + std::to_string(options.shard_k) + "-of-" + std::to_string(options.shard_n);
  }
  const std::vector<const SweepPoint*> shard = shard_points(plan, options.shard_k, options.shard_n);
  const std::string jsonl = out_dir + "/results.jsonl";

  std::size_t skipped = 0;
  std::vector<SweepRow> rows = read_sweep_rows(jsonl, &skipped);
  std::map<std::string, bool> recorded;  // point id -> ok
  for (const SweepRow& row : latest_sweep_rows(rows)) recorded[row["point_id"].get<std::string>()] = row["status"] == "ok";
  std::vector<const SweepPoint*> todo;
  std::size_t resumed = 0, resumed_failed = 0;
  for (const SweepPoint* p : shard) {
    auto it = recorded.find(p->id);
    if (it == recorded.end() || (!it->second && options.retry_failed)) todo.push_back(p);
    else {
      ++resumed;
      resumed_failed += !it->second;
    }
  }

  if (options.list_only) {
    for (const SweepPoint* p : shard) {
      auto it = recorded.find(p->id);
      out << p->index << " " << p->id << " " << (it == recorded.end() ? "todo" : it->second ? "ok" : "failed") << " "
          << describe(*p) << "\n";
    }
    return 0;
  }

  if (std::string e = prepare_output_dir(out_dir); !e.empty()) {
    err << "error: " << e << "\n";
    return 2;
  }
  SweepLog log;
  if (std::string e = log.open(jsonl); !e.empty()) {
    err << "error: " << e << "\n";
    return 2;
  }
  try {
    write_file_atomically(out_dir + "/sweep.json", plan.definition.dump(2) + "\n");
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return 2;
  }
  if (skipped) err << "warning: " << jsonl << ": " << skipped << " torn line(s) ignored\n";
  {
    std::set<std::string> ids;
    for (const SweepPoint& p : plan.points) ids.insert(p.id);
    std::size_t foreign = 0;
    for (const auto& [id, ok] : recorded) foreign += !ids.count(id);
    if (foreign)
      err << "note: " << jsonl << " holds " << foreign << " point(s) that are not in this sweep (kept in the table)\n";
  }
  const int jobs = std::max(1, options.jobs);
  err << "sweep " << plan.name << ": " << plan.points.size() << " points";
  if (options.shard_n > 1) err << ", shard " << options.shard_k << "/" << options.shard_n << " has " << shard.size();
  err << "; " << resumed << " already in " << jsonl << ", " << todo.size() << " to run with -j " << jobs << "\n";

  Progress progress(options.progress, err, shard.size(), resumed);
  const Clock::time_point start = Clock::now();
  Clock::time_point last_csv = start;
  bool csv_dirty = false;
  auto write_csv = [&] {
    try {
      write_sweep_csv(out_dir + "/results.csv", latest_sweep_rows(rows));
    } catch (const std::exception& e) {
      err << "warning: " << e.what() << "\n";
    }
    last_csv = Clock::now();
    csv_dirty = false;
  };
  if (todo.empty() || !std::filesystem::exists(out_dir + "/results.csv")) write_csv();

  std::vector<Running> running;
  std::size_t next = 0;
  std::string fatal;
  const pid_t self = ::getpid();
  auto finish = [&](Running& r) {
    int status = 0;
    ::waitpid(r.pid, &status, 0);
    ::close(r.fd);
    const double wall = seconds_since(r.start);
    std::string error;
    json result;
    if (r.timed_out) error = "timed out after " + format_duration(options.timeout_s) + " (--timeout)";
    else if (WIFSIGNALED(status)) error = std::string("child killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    else if (r.text.empty()) error = "child produced no result (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    else {
      try {
        result = json::parse(r.text);
        if (result.contains("error")) error = result["error"].get<std::string>();
      } catch (const json::exception& e) {
        error = std::string("child result is not JSON: ") + e.what();
      }
    }
    const SweepPoint& p = *r.point;
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
    try {
      log.append(row);
    } catch (const std::exception& e) {
      fatal = e.what();
    }
    rows.push_back(std::move(row));
    csv_dirty = true;
    progress.finished(p, error.empty(), error, wall, running.size() - 1);
  };

  while ((next < todo.size() && fatal.empty()) || !running.empty()) {
    while (fatal.empty() && running.size() < static_cast<std::size_t>(jobs) && next < todo.size()) {
      const SweepPoint* p = todo[next++];
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) {
        fatal = std::string("pipe failed: ") + std::strerror(errno);
        break;
      }
      out.flush();
      err.flush();
      const pid_t pid = ::fork();
      if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        fatal = std::string("fork failed: ") + std::strerror(errno);
        break;
      }
      if (pid == 0) {
        ::close(fds[0]);
        child_main(plan, *p, out_dir, fds[1], self);
      }
      ::close(fds[1]);
      Running r;
      r.point = p;
      r.pid = pid;
      r.fd = fds[0];
      r.start = Clock::now();
      running.push_back(std::move(r));
    }
    if (running.empty()) break;
    std::vector<pollfd> pfds;
    for (const Running& r : running) pfds.push_back({r.fd, POLLIN, 0});
    const int ready = ::poll(pfds.data(), pfds.size(), 250);
    if (ready < 0 && errno != EINTR) {
      fatal = std::string("poll failed: ") + std::strerror(errno);
    }
    for (std::size_t i = running.size(); i-- > 0;) {
      Running& r = running[i];
      bool ended = false;
      if (ready > 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        char buffer[65536];
        const ssize_t n = ::read(r.fd, buffer, sizeof buffer);
        if (n > 0) r.text.append(buffer, static_cast<std::size_t>(n));
        else ended = true;
      }
      if (!ended && options.timeout_s > 0 && !r.timed_out && seconds_since(r.start) > options.timeout_s) {
        r.timed_out = true;
        ::kill(r.pid, SIGKILL);
      }
      if (ended) {
        finish(r);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if (csv_dirty && seconds_since(last_csv) >= 1.0) write_csv();
    progress.draw(running.size());
  }
  write_csv();
  progress.end();
  if (!fatal.empty()) {
    err << "error: " << fatal << "\n";
    return 1;
  }

  const std::size_t failed = progress.failed() + resumed_failed;
  out << "sweep " << plan.name << ": " << shard.size() << " points";
  if (options.shard_n > 1) out << " (shard " << options.shard_k << "/" << options.shard_n << ")";
  out << ": " << shard.size() - failed << " ok, " << failed << " failed; " << progress.done_now() << " run now in "
      << format_duration(seconds_since(start)) << ", " << resumed << " already done\n"
      << "  results   " << out_dir << "/results.csv (and results.jsonl)\n";
  if (resumed_failed)
    out << "  " << resumed_failed << " point(s) failed in an earlier run; --retry-failed runs them again\n";
  return failed ? 1 : 0;
}

}  // namespace dtsim
