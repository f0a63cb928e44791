// `dtsim plot compare RUN_DIR...`: ad-hoc `dtsim run` directories side by side without a sweep; a
// directory that is not a run's output is named in the error (exit 2).
#include <doctest/doctest.h>

#include "tests/sim/app/sweep_helpers.h"

using dtsim::sweeptest::contains;
using dtsim::test::read_file;
using dtsim::test::run_dtsim;

TEST_CASE("plot: compare draws the runs given, and names a directory without summary.json") {
  const std::string dir = dtsim::test::make_temp_dir();
  const std::vector<std::string> bandwidths = {"10Gbps", "100Gbps"};
  for (const std::string& bw : bandwidths) {
    auto r = run_dtsim({"run", std::string(DTSIM_SOURCE_DIR) + "/scenarios/quickstart.json", "--set",
                        "/cluster/nodes=2", "--set", "/run/iterations=3", "--set", "/network/bandwidth=\"" + bw + "\"",
                        "--out", dir + "/run_" + bw});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  const std::string png = dir + "/fig/compare.png";
  auto p = run_dtsim({"plot", "compare", dir + "/run_10Gbps", dir + "/run_100Gbps", "-o", png});
  CHECK_MESSAGE(p.exit_code == 0, p.err);
  const std::string data = read_file(png);
  CHECK(data.size() > 2000);
  CHECK(data.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  CHECK(read_file(dir + "/fig/compare.pdf").compare(0, 5, "%PDF-") == 0);
  CHECK(contains(p.out, "wrote " + png));

  const std::string empty = dtsim::test::make_temp_dir();
  auto bad = run_dtsim({"plot", "compare", dir + "/run_10Gbps", empty, "-o", dir + "/fig/bad.png"});
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, empty + ": no summary.json"));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/fig/bad.png"));
  CHECK(run_dtsim({"plot", "compare", "--help"}).exit_code == 0);
  CHECK(run_dtsim({"plot", "compare"}).exit_code == 2);  // at least one run
}
