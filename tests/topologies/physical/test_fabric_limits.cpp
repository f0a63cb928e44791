// Fabrics that validated and then crashed or hung in SimGrid are rejected by `dtsim run` before
// anything is built: exit 2, the JSON path, the count and the bound, no output directory.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

using dtsim::test::contains;

// Runs `dtsim run` on the 8-machine test scenario with `network` merged in; returns stderr after
// checking exit 2 and that the output directory was never created.
std::string rejected_run(const json& network) {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(8);
  s["network"].update(network);
  std::ofstream(dir + "/s.json") << s.dump();
  const auto r = dtsim::test::run_dtsim({"run", dir + "/s.json", "--out", dir + "/out"});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out"));
  return r.err;
}

}  // namespace

TEST_CASE("core: a torus too large for SimGrid is rejected, its dims read as 64-bit") {
  // [100000, 100000] ran out of memory after 52 s; 3 x 10^10 positions and links.
  std::string e = rejected_run({{"topology", "torus"}, {"torus", {{"dims", {100000, 100000}}}}});
  CHECK(contains(e, "/network/torus/dims: gives 30000000000 positions and links"));
  CHECK(contains(e, "allowed: at most 2097152"));
  // 4294967298 = 2^32 + 2 ran as 2: the count (x 4 positions x 3) shows it was kept whole.
  e = rejected_run({{"topology", "torus"}, {"torus", {{"dims", {4294967298ULL, 4}}}}});
  CHECK(contains(e, "gives 51539607576 positions and links"));
  // Products past 2^64 saturate instead of wrapping round to a small, accepted count.
  e = rejected_run({{"topology", "torus"}, {"torus", {{"dims", {4294967296ULL, 4294967296ULL, 2}}}}});
  CHECK(contains(e, "gives more than 2^64 positions and links"));
}

TEST_CASE("core: a fat-tree SimGrid cannot build in reasonable time is rejected") {
  // down [100000, 100000] hung: 10^10 leaves.
  std::string e = rejected_run(
      {{"topology", "fat_tree"}, {"fat_tree", {{"down", {100000, 100000}}, {"up", {1, 1}}, {"links", {1, 1}}}}});
  CHECK(contains(e, "/network/fat_tree: gives 20000200001 leaves, switches and links"));
  // Few elements but SimGrid's pairwise parent tests: 262144 x 512 + 512 x 512 (took 93 s).
  e = rejected_run(
      {{"topology", "fat_tree"}, {"fat_tree", {{"down", {512, 512}}, {"up", {1, 512}}, {"links", {1, 1}}}}});
  CHECK(contains(e, "/network/fat_tree: needs 134479872 parent tests"));
  CHECK(contains(e, "allowed: at most 33554432"));
}

TEST_CASE("core: a dragonfly SimGrid 3.32 misroutes or cannot hold is rejected") {
  // 4 groups of 2 x 2 routers segfaulted in SimGrid's routing (it leaves group g through router g).
  std::string e = rejected_run({{"topology", "dragonfly"},
                                {"dragonfly", {{"groups", {4, 1}}, {"chassis", {2, 1}}, {"routers", {2, 1}}, {"nodes", 1}}}});
  CHECK(contains(e, "/network/dragonfly/groups: 4 groups with 2 routers per chassis"));
  e = rejected_run({{"topology", "dragonfly"},
                    {"dragonfly", {{"groups", {2, 1}}, {"chassis", {4294967297ULL, 1}}, {"routers", {2, 1}}, {"nodes", 2}}}});
  CHECK(contains(e, "/network/dragonfly: gives"));
  CHECK(contains(e, "ports, routers and links; allowed: at most 2097152"));
  e = rejected_run({{"topology", "dragonfly"},
                    {"dragonfly", {{"groups", {2, 1}}, {"chassis", {2, 1}}, {"routers", {2, 4294967297ULL}}, {"nodes", 2}}}});
  CHECK(contains(e, "/network/dragonfly/routers/1: 4294967297 parallel links; allowed: 1 to 1048576"));
}

TEST_CASE("core: a dragonfly with as many groups as routers per chassis still runs") {
  const std::string dir = dtsim::test::make_temp_dir();
  json s = dtsim::test::base_scenario(8);
  s["network"]["topology"] = "dragonfly";
  s["network"]["dragonfly"] = {{"groups", {2, 1}}, {"chassis", {2, 1}}, {"routers", {2, 1}}, {"nodes", 1}};
  std::ofstream(dir + "/s.json") << s.dump();
  const auto r = dtsim::test::run_dtsim({"run", dir + "/s.json", "--out", dir + "/out", "-q"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(dtsim::test::file_exists(dir + "/out/summary.json"));
}
