#include "sim/app/cli.h"

#include <chrono>
#include <exception>

#include "sim/app/collective_command.h"
#include "sim/engine/engine.h"
#include "topologies/logical/topo_main.h"
#include "sim/output/metrics.h"
#include "sim/output/outputs.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_schema.h"
#include "sim/app/sweep.h"
#include "sim/app/sweep_simulate.h"
#include "sim/engine/load_scenario.h"
#include "sim/base/problems.h"

namespace dtsim {
namespace {


const char* kUsage =
    "usage: dtsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO [--out DIR] [--set /json/pointer=value ...]\n"
    "                 simulate SCENARIO (a JSON file), print its summary and write summary.json,\n"
    "                 iterations.csv and trace.json into output.dir (or DIR)\n"
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
    "  schema         print the scenario JSON Schema (generated from the declarations dtsim reads with)\n"
    "  --help         this text\n"
    "  --version      the version\n"
    "\n"
    "--set takes a JSON value (8, true, \"x\") or a bare word (25Gbps); it may be repeated.\n"
    "Exit codes: 0 success, 1 failure during a run, 2 bad input (nothing written).\n";

struct RunArgs {
  std::string scenario;
  std::string out_dir;
  std::vector<std::string> overrides;
};

// Parses "SCENARIO [--out DIR] [--set X ...]"; returns an error message or "".
std::string parse_run_args(const std::vector<std::string>& args, bool allow_out, RunArgs& parsed) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--set" || (allow_out && a == "--out")) && i + 1 >= args.size()) return a + " needs a value";
    if (a == "--set") parsed.overrides.push_back(args[++i]);
    else if (a.rfind("--set=", 0) == 0) parsed.overrides.push_back(a.substr(6));
    else if (allow_out && a == "--out") parsed.out_dir = args[++i];
    else if (allow_out && a.rfind("--out=", 0) == 0) parsed.out_dir = a.substr(6);
    else if (!a.empty() && a[0] == '-') return "unknown option " + a;
    else if (parsed.scenario.empty()) parsed.scenario = a;
    else return "unexpected argument " + a;
  }
  if (parsed.scenario.empty()) return "missing SCENARIO file";
  return "";
}

int report_errors(const std::vector<std::string>& errors, std::ostream& err) { return report_problems(errors, err); }

int command_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  RunArgs parsed;
  if (std::string e = parse_run_args(args, false, parsed); !e.empty()) {
    err << "dtsim validate: " << e << "\n" << kUsage;
    return kBadInput;
  }
  ScenarioResult loaded = load_scenario(parsed.scenario, parsed.overrides);
  if (!loaded.ok()) return report_errors(loaded.errors, err);
  out << loaded.scenario.resolved.dump(2) << "\n";
  err << parsed.scenario << ": valid\n";
  return 0;
}

int command_run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  RunArgs parsed;
  if (std::string e = parse_run_args(args, true, parsed); !e.empty()) {
    err << "dtsim run: " << e << "\n" << kUsage;
    return kBadInput;
  }
  if (!parsed.out_dir.empty()) parsed.overrides.push_back("/output/dir=" + nlohmann::json(parsed.out_dir).dump());
  ScenarioResult loaded = load_scenario(parsed.scenario, parsed.overrides);
  if (!loaded.ok()) return report_errors(loaded.errors, err);
  const Scenario& scenario = loaded.scenario;
  if (std::string e = prepare_output_dir(scenario.output.dir); !e.empty()) {
    err << "error: " << e << "\n";
    return kBadInput;
  }
  try {
    nlohmann::json summary = simulate_and_summarize(scenario, /*write_outputs=*/true);
    print_summary(out, summary, scenario.output.dir);
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int cli_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kBadInput;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    out << kUsage;
    return 0;
  }
  if (command == "--version") {
    out << "dtsim " << DTSIM_VERSION << "\n";
    return 0;
  }
  if (command == "run") return command_run(args, out, err);
  if (command == "validate") return command_validate(args, out, err);
  if (command == "schema") {
    out << scenario_schema().dump(2) << "\n";
    return 0;
  }
  if (command == "sweep") return sweep_main(args, out, err);
  if (command == "plot") return plot_main(args, out, err);
  if (command == "collective") return collective_main({args.begin() + 1, args.end()}, out, err);
  if (command == "topo") return logical::topo_main({args.begin() + 1, args.end()}, out, err);
  err << "dtsim: unknown command \"" << command << "\"\n" << kUsage;
  return kBadInput;
}

}  // namespace dtsim
