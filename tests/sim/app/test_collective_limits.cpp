// `dtsim collective` bounds what it sweeps and fails before running on outputs it cannot write.
#include <doctest/doctest.h>

#include <dirent.h>

#include <sstream>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace {

using dtsim::test::contains;

// The default platform's temporary files (/tmp/dtsim-collective-*) present now.
// dtsim collective writes its default platform under $TMPDIR: a private one per test process, so that
// other tests running at the same time (each CTest case is a process) cannot change the count.
std::string private_tmpdir() {
  static const std::string dir = [] {
    const std::string d = dtsim::test::make_temp_dir();
    setenv("TMPDIR", d.c_str(), 1);
    return d;
  }();
  return dir;
}

int temporary_platform_files() {
  int count = 0;
  if (DIR* d = opendir(private_tmpdir().c_str())) {
    while (const dirent* e = readdir(d))
      if (std::string(e->d_name).rfind("dtsim-collective-", 0) == 0) ++count;
    closedir(d);
  }
  return count;
}

}  // namespace

TEST_CASE("core: collective rejects a factor that would give billions of sizes") {
  // 1 + 2^-52 from 8 B to 1 GiB: 8.4 x 10^16 sizes exhausted memory.
  const auto r = dtsim::test::run_dtsim({"collective", "--factor", "1.0000000000000002"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--factor 1.0000000000000002 from 8 B to 1 GiB gives 8.43e+16 sizes; at most 256"));
  CHECK(r.out.empty());
  // 256 sizes are fine in count: factor 2 from 1 B to 2^10 B is 11 (rejected only past 256).
  const auto edge = dtsim::test::run_dtsim({"collective", "--factor", "1.02", "--min-bytes", "1", "--max-bytes", "1MiB"});
  CHECK(edge.exit_code == 2);  // log(2^20) / log(1.02) + 1 = 701 sizes
  CHECK(contains(edge.err, "gives 701 sizes"));
}

TEST_CASE("core: collective fails with exit 2 on an unwritable --csv, before running") {
  const auto r = dtsim::test::run_dtsim({"collective", "--algorithms", "ring", "--csv", "/proc/x.csv"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--csv: cannot write \"/proc/x.csv\""));
  CHECK(r.out.empty());  // not even the table's header
}

TEST_CASE("core: collective rejects an out-of-range shortcut and leaves no temporary file") {
  const int before = temporary_platform_files();
  const auto r = dtsim::test::run_dtsim({"collective", "--nodes", "1e400"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--nodes: \"1e400\" is out of range"));
  // A scenario error after the temporary platform was written: the file is removed too.
  const auto bad = dtsim::test::run_dtsim({"collective", "--nodes", "0"});
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "/cluster/nodes"));
  CHECK(temporary_platform_files() == before);
}

TEST_CASE("core: collective sizes stop at 2^53 B, where byte counts are exact doubles") {
  const auto r = dtsim::test::run_dtsim({"collective", "--max-bytes", "8e100"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--max-bytes: \"8e100\" is above 2^53 B = 8 PiB"));
  // 2^53 B itself runs and matches the ring's closed form 2(p-1)(2l + S/(pB)) on the default
  // platform (8 ranks, 25 Gbps = 3.125 GB/s, 5 us links, two per route through the switch).
  const std::string dir = dtsim::test::make_temp_dir();
  const auto ok = dtsim::test::run_dtsim({"collective", "--algorithms", "ring", "--min-bytes", "9007199254740992",
                                          "--max-bytes", "9007199254740992", "--csv", dir + "/t.csv"});
  CHECK(ok.exit_code == 0);
  std::istringstream csv(dtsim::test::read_file(dir + "/t.csv"));
  std::string header, row, cell;
  std::getline(csv, header);
  std::getline(csv, row);
  std::vector<std::string> cells;
  std::istringstream fields(row);
  while (std::getline(fields, cell, ',')) cells.push_back(cell);
  REQUIRE(cells.size() == 12);
  const double expected = 2 * 7 * (2 * 5e-6 + 9007199254740992.0 / 8 / 3.125e9);
  CHECK(cells[4] == "9007199254740992");  // exact (it was printed as 9.0072e+15)
  CHECK(std::stod(cells[5]) == doctest::Approx(expected).epsilon(1e-11));
}
