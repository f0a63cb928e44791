#include "sim/app/cli.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <new>
#include <sstream>
#include <thread>

#include "sim/base/cli_parse.h"

#include "sim/app/calibrate_command.h"
#include "sim/app/collective_command.h"
#include "sim/app/plot_command.h"
#include "sim/engine/engine.h"
#include "topologies/logical/topo_main.h"
#include "sim/output/metrics.h"
#include "sim/output/outputs.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_schema.h"
#include "sim/app/sweep.h"
#include "sim/app/sweep_file.h"
#include "sim/app/sweep_simulate.h"
#include "sim/engine/backend_available.h"
#include "sim/engine/load_scenario.h"
#include "sim/base/json_input.h"
#include "sim/base/problems.h"

namespace dtsim {
namespace {


const char* kUsage =
    "usage: dtsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO [--out DIR] [--set /json/pointer=value ...] [-q|--quiet] [--json]\n"
    "                 simulate SCENARIO (a JSON file), print its summary and write summary.json,\n"
    "                 iterations.csv and trace.json into output.dir (or DIR); -q prints nothing,\n"
    "                 --json prints summary.json instead of the text summary\n"
    "  validate SCENARIO [--set /json/pointer=value ...]\n"
    "                 check SCENARIO and print it as understood (defaults filled, SI units)\n"
    "  topo GRAPH --nodes N [--dot FILE] [...]\n"
    "                 print a communication graph's mixing matrix properties (rho, degree,\n"
    "                 diameter, traffic); `dtsim topo --help` lists graphs and options\n"
    "  sweep SWEEP [--out DIR] [-j N] [--shard K/N] [...] | sweep --merge OUT DIR ...\n"
    "                 run (or resume) every point of a sweep (base scenario x axes over JSON\n"
    "                 pointers), one child process per point, into DIR/results.{jsonl,csv};\n"
    "                 `dtsim sweep --help` lists the options\n"
    "  plot speedup|breakdown|convergence|timeline ...\n"
    "                 figures from sweep results or a run's files (analysis/plot.py, PNG and PDF);\n"
    "                 `dtsim plot --help` lists the plots\n"
    "  collective [SCENARIO] [--nodes N] [--algorithms a,b] [--ops op,..] [...]\n"
    "                 sweep message sizes (8 B .. 1 GiB) for collective algorithms: time, algbw,\n"
    "                 busbw, closed form, #wrong; `dtsim collective --help` lists options\n"
    "  calibrate LOG [LOG] --out FILE --name NAME --system TEXT [...]\n"
    "                 fit a network profile (per tier: efficiency, per-message overhead) to\n"
    "                 nccl-tests logs; `dtsim calibrate --help` lists options\n"
    "  schema [--sweep]\n"
    "                 print the scenario JSON Schema (with --sweep: the sweep file's), generated from\n"
    "                 the declarations dtsim reads them with\n"
    "  --help         this text\n"
    "  --version      the version\n"
    "\n"
    "Every command takes --help; options take their value as --opt VALUE or --opt=VALUE.\n"
    "--set takes a JSON value (8, true, \"x\") or a bare word (25Gbps); it may be repeated.\n"
    "Exit codes: 0 success, 1 failure during a run, 2 bad input (nothing written).\n";

const char* kSetHelp = "override a scenario field: /json/pointer=value, value JSON (8, true, \"x\") or a bare "
                       "word (25Gbps); repeatable";

// While a run goes on, on a terminal only: "\r  simulating... N s (wall clock)" on stderr every 2 s,
// erased when the run ends. The engine has no progress hook, so this reports wall time only.
class WallClockProgress {
 public:
  explicit WallClockProgress(bool enabled) {
    if (enabled) thread_ = std::thread([this] { loop(); });
  }
  ~WallClockProgress() { stop(); }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    bool printed = false;
    while (!wake_.wait_for(lock, std::chrono::seconds(2), [this] { return done_; })) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "\r  dtsim run: simulating... %.0f s (wall clock)", s);
      std::fflush(stderr);
      printed = true;
    }
    if (printed) {
      std::fprintf(stderr, "\r%60s\r", "");
      std::fflush(stderr);
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

int command_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Checks SCENARIO and prints it as understood (defaults filled, SI units).", "dtsim validate");
  std::string file;
  std::vector<std::string> overrides;
  app.add_option("SCENARIO", file, "the scenario (a JSON file)");
  app.add_option("--set", overrides, kSetHelp)->allow_extra_args(false);
  if (int rc = cli::parse(app, "validate", args, out, err); rc >= 0) return rc;
  if (file.empty()) return cli::missing(err, "validate", "SCENARIO file");
  ScenarioResult loaded = load_scenario(file, overrides);
  if (!loaded.ok()) return report_problems(loaded.errors, err);
  out << loaded.scenario.resolved.dump(2) << "\n";
  err << file << ": valid\n";
  return 0;
}

int command_run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Simulates SCENARIO, prints its summary and writes summary.json, iterations.csv and "
               "trace.json into output.dir (or DIR).",
               "dtsim run");
  std::string file, out_dir;
  std::vector<std::string> overrides;
  bool quiet = false, json = false;
  app.add_option("SCENARIO", file, "the scenario (a JSON file)");
  CLI::Option* out_option = app.add_option("--out", out_dir, "output directory (overrides /output/dir)");
  app.add_option("--set", overrides, kSetHelp)->allow_extra_args(false);
  app.add_flag("-q,--quiet", quiet, "print nothing on success (outputs are still written)");
  app.add_flag("--json", json, "print summary.json's content instead of the text summary");
  if (int rc = cli::parse(app, "run", args, out, err); rc >= 0) return rc;
  if (file.empty()) return cli::missing(err, "run", "SCENARIO file");
  if (out_option->count() > 0 && out_dir.empty())
    return report_problems({"--out \"\": is empty; allowed: a directory path"}, err);
  if (std::string e = utf8_problem(out_dir); !e.empty())
    return report_problems({"--out " + shown_text(out_dir) + ": " + e + "; allowed: a UTF-8 directory path"}, err);
  if (!out_dir.empty()) overrides.push_back("/output/dir=" + nlohmann::json(out_dir).dump());
  ScenarioResult loaded = load_scenario(file, overrides);
  if (!loaded.ok()) return report_problems(loaded.errors, err);
  const Scenario& scenario = loaded.scenario;
  if (std::string e = backend_unavailable(scenario); !e.empty()) return report_problems({e}, err);
  if (std::string e = prepare_output_dir(scenario.output.dir); !e.empty())
    return report_problems({e}, err);
  try {
    WallClockProgress progress(&err == &std::cerr && ::isatty(STDERR_FILENO));
    nlohmann::json summary = simulate_and_summarize(scenario, /*write_outputs=*/true);
    progress.stop();
    if (json) {
      std::ifstream in(scenario.output.dir + "/summary.json");
      std::stringstream text;
      text << in.rdbuf();
      std::string content = text.str();
      if (content.empty()) content = summary.dump(2);
      out << content << (content.back() == '\n' ? "" : "\n");
    } else if (!quiet) {
      print_summary(out, summary, scenario.output.dir);
    }
  } catch (const BadInputError& e) {
    return report_problems(e.problems, err, "the run was simulated, nothing was written");
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return kExitFailure;
  }
  return 0;
}

int command_schema(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Prints the JSON Schema of scenarios (or, with --sweep, of sweep files), generated from the "
               "declarations dtsim reads them with.",
               "dtsim schema");
  bool sweep = false;
  app.add_flag("--sweep", sweep, "the schema of sweep files (scenarios/sweep.schema.json)");
  if (int rc = cli::parse(app, "schema", args, out, err); rc >= 0) return rc;
  out << (sweep ? sweep_schema() : scenario_schema()).dump(2) << "\n";
  return 0;
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("dtsim", "dtsim");
  app.set_help_flag();  // --help prints kUsage below
  bool help = false, version = false;
  std::string command;
  app.add_flag("-h,--help", help);
  app.add_flag("--version", version);
  app.prefix_command();  // parsing stops at the command word: the words after it are the command's own
  if (int rc = cli::parse(app, "", args, out, err, /*pass_through=*/true); rc >= 0) return rc;
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && !rest.front().empty() && rest.front()[0] == '-') {
    err << "dtsim: unknown option '" << rest.front().substr(0, rest.front().find('=')) << "' (see dtsim --help)\n";
    return kBadInput;
  }
  if (!rest.empty()) {
    command = rest.front();
    rest.erase(rest.begin());
  }
  if (help || command == "help") {
    out << kUsage;
    return 0;
  }
  if (version) {
    out << "dtsim " << DTSIM_VERSION << "\n";
    return 0;
  }
  if (command.empty()) {
    err << kUsage;
    return kBadInput;
  }
  if (command == "run") return command_run(rest, out, err);
  if (command == "validate") return command_validate(rest, out, err);
  if (command == "schema") return command_schema(rest, out, err);
  if (command == "sweep") return sweep_main(rest, out, err);
  if (command == "plot") return plot_main(rest, out, err);
  if (command == "collective") return collective_main(rest, out, err);
  if (command == "calibrate") return calibrate_main(rest, out, err);
  if (command == "topo") return logical::topo_main(rest, out, err);
  err << "dtsim: unknown command \"" << command << "\" (see dtsim --help)\n";
  return kBadInput;
}

}  // namespace

// Last resort: an exception that escaped a command's own checks comes from its input (the commands
// catch what a simulation throws), so it is reported as bad input on one line rather than aborting.
int cli_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    return dispatch(args, out, err);
  } catch (const std::bad_alloc&) {
    err << "error: bad input: it asks for more memory than this machine has\n";
  } catch (const std::exception& e) {
    err << "error: bad input: " << shown_text(e.what()) << "\n";
  }
  return kBadInput;
}

}  // namespace dtsim
