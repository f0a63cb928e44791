#include "sim/app/plot_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <list>

#include "sim/base/cli_parse.h"
#include "sim/base/problems.h"

namespace dtsim {
namespace {

// One declared option and how it is handed to plot.py.
struct Forwarded {
  CLI::Option* option = nullptr;
  std::string flag;         // "--x"; "" for a positional
  bool takes_value = true;  // false: a flag
};

// A plot subcommand with its options; `words()` rebuilds plot.py's arguments from what CLI11 parsed.
class PlotCommand {
 public:
  PlotCommand(CLI::App& app, const std::string& name, const std::string& help) : sub_(app.add_subcommand(name, help)) {
    sub_->allow_extras();  // left-over words are reported by cli::parse as unknown / unexpected
    words_.push_back(name);
  }
  PlotCommand& positional(const std::string& name, const std::string& help, bool many = false) {
    CLI::Option* o = many ? sub_->add_option(name, lists_.emplace_back(), help) : sub_->add_option(name, help);
    forwarded_.push_back({o->required(), "", true});
    return *this;
  }
  PlotCommand& value(const std::string& names, const std::string& flag, const std::string& help) {
    forwarded_.push_back({sub_->add_option(names, help)->expected(1), flag, true});
    return *this;
  }
  PlotCommand& values(const std::string& flag, const std::string& help) {
    CLI::Option* o = sub_->add_option(flag, help)->expected(1, CLI::detail::expected_max_vector_size);
    forwarded_.push_back({o->allow_extra_args(), flag, true});
    return *this;
  }
  PlotCommand& integer(const std::string& flag, const std::string& help) {
    forwarded_.push_back({sub_->add_option(flag, help)->expected(1)->check(CLI::TypeValidator<int>()), flag, true});
    return *this;
  }
  PlotCommand& flag(const std::string& flag, const std::string& help) {
    forwarded_.push_back({sub_->add_flag(flag, help), flag, false});
    return *this;
  }
  // -o/--output, --no-pdf and --title, which every plot takes.
  PlotCommand& common(const std::string& default_output) {
    value("-o,--output", "--output", "output PNG (a PDF is written beside it); default " + default_output);
    flag("--no-pdf", "write only the PNG");
    return value("--title", "--title", "figure title");
  }
  bool chosen() const { return sub_->parsed(); }
  // plot.py's arguments: the subcommand, its positionals, then each option given (--opt=value).
  std::vector<std::string> words() const {
    std::vector<std::string> words = words_;
    for (const Forwarded& f : forwarded_)
      if (f.flag.empty())
        for (const std::string& v : f.option->results()) words.push_back(v);
    for (const Forwarded& f : forwarded_) {
      if (f.flag.empty() || f.option->count() == 0) continue;
      if (!f.takes_value) words.push_back(f.flag);
      else if (f.option->get_items_expected_max() == 1) words.push_back(f.flag + "=" + f.option->results().back());
      else {
        words.push_back(f.flag);
        for (const std::string& v : f.option->results()) words.push_back(v);
      }
    }
    return words;
  }

 private:
  CLI::App* sub_;
  std::vector<std::string> words_;
  std::vector<Forwarded> forwarded_;
  std::list<std::vector<std::string>> lists_;  // a positional taking several words binds to one (list: stable)
};

// The five plots and their options, as analysis/plot.py declares them.
std::vector<PlotCommand> declare_plots(CLI::App& app) {
  std::vector<PlotCommand> plots;
  plots.emplace_back(app, "speedup", "speedup and scaling efficiency against GPUs, with the ideal line");
  plots.back()
      .positional("results", "results.csv of a sweep (or its directory)")
      .value("--x", "--x", "x column (default ranks)")
      .values("--group", "columns whose values make one line each (default: the swept parameters)")
      .value("--facet", "--facet", "one panel per value of this column (e.g. bandwidth)")
      .values("--where", "keep rows with COLUMN=VALUE")
      .common("speedup.png");
  plots.emplace_back(app, "breakdown", "stacked compute / exposed communication / waiting per configuration");
  plots.back()
      .positional("results", "results.csv of a sweep (or its directory)")
      .values("--label", "columns that name each bar (default: the swept parameters)")
      .value("--facet", "--facet", "one panel per value of this column")
      .values("--where", "keep rows with COLUMN=VALUE")
      .flag("--normalize", "as a share of the iteration time")
      .common("breakdown.png");
  plots.emplace_back(app, "convergence", "loss and test accuracy against simulated time and iterations");
  plots.back()
      .positional("inputs", "sweep results (with point_outputs), iterations.csv files or run directories", true)
      .values("--label", "columns that name each run (default: the parameters that vary)")
      .values("--where", "keep sweep rows with COLUMN=VALUE")
      .integer("--smooth", "moving average of the training loss over N iterations (default 10)")
      .flag("--log-loss", "logarithmic loss axis")
      .flag("--log-time", "logarithmic simulated-time axis")
      .common("convergence.png");
  plots.emplace_back(app, "compare", "iteration time breakdown and throughput of several `dtsim run` directories");
  plots.back()
      .positional("runs", "`dtsim run` output directories (each with summary.json), labelled by name", true)
      .common("compare.png");
  plots.emplace_back(app, "timeline", "Gantt chart of compute / send / recv / wait spans from trace.json");
  plots.back()
      .positional("trace", "trace.json (or the run directory)")
      .value("--ranks", "--ranks", "tracks to show, e.g. 0-7,12 (default: the first 16)")
      .value("--window", "--window", "START:END in seconds of simulated time (either side may be empty)")
      .common("timeline.png");
  return plots;
}

std::string plot_script() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("DTSIM_PLOT_SCRIPT")) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    candidates.push_back(exe.parent_path() / "../share/dtsim/analysis/plot.py");  // an install (cmake/install.cmake)
    candidates.push_back(exe.parent_path() / "../analysis/plot.py");               // build/ in the source tree
    candidates.push_back(exe.parent_path() / "analysis/plot.py");
  }
  candidates.push_back("analysis/plot.py");
  for (const fs::path& c : candidates)
    if (fs::is_regular_file(c, ec)) return fs::weakly_canonical(c, ec).string();
  return "";
}

// Runs `python script words...` and returns its exit status (1 if it did not exit normally).
int run_plot_script(const std::string& script, const std::vector<std::string>& words, std::ostream& out,
                    std::ostream& err) {
  const char* env_python = std::getenv("DTSIM_PYTHON");
  const std::string python = env_python ? env_python : (::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3");
  std::vector<std::string> argv_text = {python, script};
  argv_text.insert(argv_text.end(), words.begin(), words.end());
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

}  // namespace

int plot_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Figures from sweep results or a run's files (analysis/plot.py): a PNG and a PDF beside it. "
               "`dtsim plot PLOT --help` lists a plot's options.",
               "dtsim plot");
  app.require_subcommand(0, 1);  // none chosen is reported below, after unknown options
  std::vector<PlotCommand> plots = declare_plots(app);
  // A first word that names no plot is the mistake to report, before the options meant for it.
  if (!args.empty() && !args.front().empty() && args.front()[0] != '-') {
    try {
      app.get_subcommand(args.front());
    } catch (const CLI::OptionNotFound&) {
      return cli::usage_error(err, "plot",
                              "unknown plot '" + args.front() + "'; allowed: speedup, breakdown, convergence, compare, timeline");
    }
  }
  if (int rc = cli::parse(app, "plot", args, out, err); rc >= 0) return rc;
  const std::string script = plot_script();
  if (script.empty()) {
    err << "dtsim plot: analysis/plot.py not found (set DTSIM_PLOT_SCRIPT to its path)\n";
    return kBadInput;
  }
  for (const PlotCommand& plot : plots)
    if (plot.chosen()) return run_plot_script(script, plot.words(), out, err);
  return cli::usage_error(err, "plot", "a plot is required: speedup, breakdown, convergence, compare or timeline");
}

}  // namespace dtsim
