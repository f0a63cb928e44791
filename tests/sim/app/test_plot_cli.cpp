// `dtsim plot` parses plot.py's options itself (CLI11): per-plot --help, unknown options and bad values
// rejected before Python starts, --opt=value accepted, and plot.py called with the parsed arguments
// (checked with a stand-in script that prints the arguments it was given).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/test_support.h"

namespace {

using dtsim::test::run_dtsim;
using nlohmann::json;

using dtsim::test::contains;

// Points DTSIM_PLOT_SCRIPT at a script that prints its arguments as a JSON list.
void use_echo_script() {
  const std::string path = dtsim::test::make_temp_dir() + "/echo_plot.py";
  std::ofstream(path) << "import json, sys\nprint(json.dumps(sys.argv[1:]))\n";
  ::setenv("DTSIM_PLOT_SCRIPT", path.c_str(), 1);
}

json forwarded(const std::vector<std::string>& args) {
  auto r = run_dtsim(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("plot: each plot's --help lists plot.py's options for it and exits 0") {
  const std::vector<std::pair<std::string, std::vector<std::string>>> plots = {
      {"speedup", {"results", "--x", "--group", "--facet", "--where", "--output", "--no-pdf", "--title"}},
      {"breakdown", {"results", "--label", "--facet", "--where", "--normalize", "--output"}},
      {"convergence", {"inputs", "--label", "--where", "--smooth", "--log-loss", "--log-time", "--output"}},
      {"compare", {"runs", "--output", "--no-pdf", "--title"}},
      {"timeline", {"trace", "--ranks", "--window", "--output", "--no-pdf", "--title"}}};
  for (const auto& entry : plots) {  // not a structured binding: clang cannot capture one in CHECK_MESSAGE
    const std::string& plot = entry.first;
    const std::vector<std::string>& options = entry.second;
    auto r = run_dtsim({"plot", plot, "--help"});
    CHECK_MESSAGE(r.exit_code == 0, plot);
    for (const std::string& o : options) CHECK_MESSAGE(contains(r.out, o), plot << " " << o);
  }
  auto top = run_dtsim({"plot", "--help"});
  CHECK(top.exit_code == 0);
  for (const char* plot : {"speedup", "breakdown", "convergence", "compare", "timeline"}) CHECK(contains(top.out, plot));
}

TEST_CASE("plot: plot.py gets the parsed arguments, --opt=value included") {
  use_echo_script();
  CHECK(forwarded({"plot", "speedup", "r.csv", "--group", "a", "b", "--x=nodes", "-o", "f.png", "--no-pdf"}) ==
        json{"speedup", "r.csv", "--x=nodes", "--group", "a", "b", "--output=f.png", "--no-pdf"});
  CHECK(forwarded({"plot", "convergence", "a.csv", "b/", "--smooth=5", "--log-loss", "--where", "k=v"}) ==
        json{"convergence", "a.csv", "b/", "--where", "k=v", "--smooth=5", "--log-loss"});
  // A value that starts like an option reaches plot.py as --window=VALUE, so argparse takes it as the value.
  CHECK(forwarded({"plot", "timeline", "--window=-0.5:1", "t.json", "--title", "T"}) ==
        json{"timeline", "t.json", "--window=-0.5:1", "--title=T"});
  CHECK(forwarded({"plot", "breakdown", "d", "--normalize"}) == json{"breakdown", "d", "--normalize"});
}

TEST_CASE("plot: unknown options, bad values and missing inputs exit 2 before plot.py runs") {
  use_echo_script();  // it would print its arguments on stdout: stdout must stay empty
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"plot", "--bogus"}, "unknown option '--bogus'"},
      {{"plot", "speedup", "r.csv", "--bogus=3"}, "unknown option '--bogus'"},
      {{"plot", "speedup", "r.csv", "--normalize"}, "unknown option '--normalize'"},  // breakdown's, not speedup's
      {{"plot", "convergence", "a.csv", "--smooth=x"}, "--smooth"},
      {{"plot", "timeline"}, "trace"},
      {{"plot", "timeline", "t.json", "u.json"}, "unexpected argument 'u.json'"},
      {{"plot"}, "a plot is required"},
      {{"plot", "histogram"}, "unknown plot 'histogram'"},
      {{"plot", "pie", "r.csv", "-o", "f.png"}, "unknown plot 'pie'"},  // the plot is named, not -o
  };
  for (const Case& c : cases) {
    auto r = run_dtsim(c.args);
    CAPTURE(c.args.back());
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, c.message), r.err);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}
