// `dtsim sweep` (run, resume, shard, list, merge) and `dtsim plot` (runs analysis/plot.py).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "sim/app/sweep.h"
#include "sim/app/sweep_results.h"
#include "sim/app/sweep_runner.h"
#include "sim/base/problems.h"

namespace dtsim {
namespace {


const char* kSweepUsage =
    "usage: dtsim sweep SWEEP [--out DIR] [-j N] [--shard K/N] [--set /json/pointer=value ...]\n"
    "                   [--retry-failed] [--timeout SECONDS] [--progress auto|bar|lines|none] [--list]\n"
    "       dtsim sweep --merge OUT DIR_OR_JSONL ...\n"
    "\n"
    "Runs every point of SWEEP (a base scenario plus axes over JSON pointers) in its own child process,\n"
    "appending one row per finished point to DIR/results.jsonl and keeping DIR/results.csv up to date.\n"
    "Running it again resumes: points already in results.jsonl are skipped (failed ones too, unless\n"
    "--retry-failed). --shard K/N runs the points whose index % N == K-1 (K from 1 to N) into\n"
    "DIR/shard-K-of-N unless --out is given; --merge joins shard results into OUT. --list prints the\n"
    "points (index, id, todo/ok/failed, parameters) and runs nothing.\n";

int bad(std::ostream& err, const std::string& message) {
  err << "dtsim sweep: " << message << "\n" << kSweepUsage;
  return kBadInput;
}

bool parse_int(const std::string& text, int& value) {
  try {
    std::size_t used = 0;
    value = std::stoi(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

std::string plot_script() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("DTSIM_PLOT_SCRIPT")) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    candidates.push_back(exe.parent_path() / "../analysis/plot.py");
    candidates.push_back(exe.parent_path() / "analysis/plot.py");
  }
  candidates.push_back(fs::path(__FILE__).parent_path().parent_path() / "analysis/plot.py");  // the source tree
  candidates.push_back("analysis/plot.py");
  for (const fs::path& c : candidates)
    if (fs::is_regular_file(c, ec)) return fs::weakly_canonical(c, ec).string();
  return "";
}

}  // namespace

int sweep_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  // args[0] == "sweep"
  if (args.size() >= 2 && (args[1] == "--help" || args[1] == "-h")) {
    out << kSweepUsage;
    return 0;
  }
  if (args.size() >= 2 && args[1] == "--merge") {
    if (args.size() < 4) return bad(err, "--merge needs OUT and at least one input");
    return merge_sweep_results(args[2], {args.begin() + 3, args.end()}, out, err);
  }
  std::string file;
  std::vector<std::string> sets;
  SweepRunOptions options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& name, std::string& into) -> bool {
      if (a == name) {
        if (i + 1 >= args.size()) return false;
        into = args[++i];
        return true;
      }
      into = a.substr(name.size() + 1);
      return true;
    };
    auto is = [&](const std::string& name) { return a == name || a.rfind(name + "=", 0) == 0; };
    std::string v;
    if (is("--out")) {
      if (!value("--out", options.out_dir) || options.out_dir.empty()) return bad(err, "--out needs a directory");
    } else if (a == "-j" || is("--jobs") || (a.rfind("-j", 0) == 0 && a.size() > 2)) {
      if (a == "-j" || a == "--jobs") {
        if (i + 1 >= args.size()) return bad(err, a + " needs a number");
        v = args[++i];
      } else {
        v = a.rfind("--jobs=", 0) == 0 ? a.substr(7) : a.substr(2);
      }
      if (!parse_int(v, options.jobs) || options.jobs < 1 || options.jobs > 1024)
        return bad(err, "-j " + v + ": expected a number of parallel points from 1 to 1024");
    } else if (is("--shard")) {
      if (!value("--shard", v)) return bad(err, "--shard needs K/N");
      const auto slash = v.find('/');
      if (slash == std::string::npos || !parse_int(v.substr(0, slash), options.shard_k) ||
          !parse_int(v.substr(slash + 1), options.shard_n) || options.shard_n < 1 || options.shard_k < 1 ||
          options.shard_k > options.shard_n)
        return bad(err, "--shard " + v + ": expected K/N with 1 <= K <= N, e.g. --shard 2/4");
    } else if (is("--set")) {
      if (!value("--set", v)) return bad(err, "--set needs /json/pointer=value");
      sets.push_back(v);
    } else if (a == "--retry-failed") {
      options.retry_failed = true;
    } else if (a == "--list") {
      options.list_only = true;
    } else if (is("--timeout")) {
      if (!value("--timeout", v)) return bad(err, "--timeout needs seconds");
      char* end = nullptr;
      options.timeout_s = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(options.timeout_s > 0)) return bad(err, "--timeout " + v + ": expected seconds > 0");
    } else if (is("--progress")) {
      if (!value("--progress", v)) return bad(err, "--progress needs auto, bar, lines or none");
      if (v == "auto") options.progress = SweepProgress::automatic;
      else if (v == "bar") options.progress = SweepProgress::bar;
      else if (v == "lines") options.progress = SweepProgress::lines;
      else if (v == "none") options.progress = SweepProgress::none;
      else return bad(err, "--progress " + v + ": expected auto, bar, lines or none");
    } else if (!a.empty() && a[0] == '-') {
      return bad(err, "unknown option " + a);
    } else if (file.empty()) {
      file = a;
    } else {
      return bad(err, "unexpected argument " + a);
    }
  }
  if (file.empty()) return bad(err, "missing SWEEP file");
  SweepPlanResult loaded = load_sweep(file, sets);
  if (!loaded.ok()) {
    return report_problems(loaded.errors, err);
  }
  return run_sweep(loaded.plan, options, out, err);
}

int plot_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string script = plot_script();
  if (script.empty()) {
    err << "dtsim plot: analysis/plot.py not found (set DTSIM_PLOT_SCRIPT to its path)\n";
    return kBadInput;
  }
  const char* env_python = std::getenv("DTSIM_PYTHON");
  const std::string python = env_python ? env_python : (::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3");
  std::vector<std::string> argv_text = {python, script};
  argv_text.insert(argv_text.end(), args.begin() + 1, args.end());
  out.flush();
  err.flush();
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    err << "dtsim plot: fork failed\n";
    return 1;
  }
  if (pid == 0) {
    std::vector<char*> argv;
    for (std::string& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::perror(("dtsim plot: cannot run " + python).c_str());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace dtsim
