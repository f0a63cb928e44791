// `dtsim sweep` (run, resume, shard, list, merge).
#include <cstdlib>

#include "sim/app/sweep.h"
#include "sim/app/sweep_results.h"
#include "sim/app/sweep_runner.h"
#include "sim/base/cli_parse.h"
#include "sim/base/json_input.h"
#include "sim/base/problems.h"

namespace dtsim {
namespace {


const char* kSweepUsage =
    "dtsim sweep SWEEP [--out DIR] [-j N] [--shard K/N] [--set /json/pointer=value ...]\n"
    "                  [--retry-failed] [--timeout SECONDS] [--progress auto|bar|lines|none] [--list]\n"
    "dtsim sweep --merge OUT DIR_OR_JSONL ...\n"
    "\n"
    "Runs every point of SWEEP (a base scenario plus axes over JSON pointers) in its own child process,\n"
    "appending one row per finished point to DIR/results.jsonl and keeping DIR/results.csv up to date.\n"
    "Running it again resumes: points already in results.jsonl are skipped (failed ones too, unless\n"
    "--retry-failed). --shard K/N runs the points whose index % N == K-1 (K from 1 to N) into\n"
    "DIR/shard-K-of-N unless --out is given; --merge joins shard results into OUT. --list prints the\n"
    "points (index, id, todo/ok/failed, parameters) and runs nothing.\n";

int bad(std::ostream& err, const std::string& message) { return cli::usage_error(err, "sweep", message); }

bool parse_int(const std::string& text, int& value) {
  try {
    std::size_t used = 0;
    value = std::stoi(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int sweep_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  // args: the words after "sweep"
  CLI::App app(kSweepUsage, "dtsim sweep");
  std::vector<std::string> files, sets;
  std::string merge_out, jobs, shard, timeout, progress;
  SweepRunOptions options;
  app.add_option("SWEEP", files, "the sweep file (with --merge: the shard directories or results.jsonl files)");
  app.add_option("--out", options.out_dir, "output directory (default: the sweep's output_dir)");
  app.add_option("-j,--jobs", jobs, "points run in parallel, 1 to 1024 (default 1)");
  app.add_option("--shard", shard, "run shard K of N: the points whose index % N == K-1");
  app.add_option("--set", sets, "override /json/pointer=value in every point (repeatable)")->allow_extra_args(false);
  app.add_flag("--retry-failed", options.retry_failed, "run again the points that failed before");
  app.add_option("--timeout", timeout, "seconds after which a point is killed and recorded as failed");
  app.add_option("--progress", progress, "auto, bar, lines or none (default auto)");
  app.add_flag("--list", options.list_only, "print the points (index, id, todo/ok/failed, parameters); run nothing");
  app.add_option("--merge", merge_out, "join shard results (the SWEEP arguments) into the directory OUT");
  if (int rc = cli::parse(app, "sweep", args, out, err); rc >= 0) return rc;
  if (!merge_out.empty()) {
    if (files.empty()) return bad(err, "--merge needs OUT and at least one input");
    return merge_sweep_results(merge_out, files, out, err);
  }
  if (app.count("--out") && options.out_dir.empty()) return bad(err, "--out needs a directory");
  if (std::string e = utf8_problem(options.out_dir); !e.empty())
    return bad(err, "--out " + shown_text(options.out_dir) + ": " + e + "; allowed: a UTF-8 directory path");
  if (!jobs.empty() && (!parse_int(jobs, options.jobs) || options.jobs < 1 || options.jobs > 1024))
    return bad(err, "-j " + jobs + ": expected a number of parallel points from 1 to 1024");
  if (!shard.empty()) {
    const auto slash = shard.find('/');
    if (slash == std::string::npos || !parse_int(shard.substr(0, slash), options.shard_k) ||
        !parse_int(shard.substr(slash + 1), options.shard_n) || options.shard_n < 1 || options.shard_k < 1 ||
        options.shard_k > options.shard_n)
      return bad(err, "--shard " + shard + ": expected K/N with 1 <= K <= N, e.g. --shard 2/4");
  }
  if (app.count("--timeout")) {
    char* end = nullptr;
    options.timeout_s = std::strtod(timeout.c_str(), &end);
    if (timeout.empty() || *end != '\0' || !(options.timeout_s > 0))
      return bad(err, "--timeout " + timeout + ": expected seconds > 0");
  }
  if (!progress.empty()) {
    if (progress == "auto") options.progress = SweepProgress::automatic;
    else if (progress == "bar") options.progress = SweepProgress::bar;
    else if (progress == "lines") options.progress = SweepProgress::lines;
    else if (progress == "none") options.progress = SweepProgress::none;
    else return bad(err, "--progress " + progress + ": expected auto, bar, lines or none");
  }
  if (files.empty()) return cli::missing(err, "sweep", "SWEEP file");
  if (files.size() > 1) return bad(err, "unexpected argument '" + files[1] + "'");
  SweepPlanResult loaded = load_sweep(files.front(), sets);
  if (!loaded.ok()) return report_problems(loaded.errors, err);
  return run_sweep(loaded.plan, options, out, err);
}

}  // namespace dtsim
