// `dtsim collective` output and errors; tree shapes (parent/child consistency, depth, the double
// tree's complementary roles).
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "algorithms/collectives/tree.h"
#include "tests/support/test_support.h"

TEST_CASE("collectives: dtsim collective prints nccl-tests rows and the closed form after each table") {
  auto r = dtsim::test::run_dtsim({"collective", "--nodes", "4", "--bandwidth", "10Gbps", "-b", "64", "-e", "64K",
                                   "-f", "32", "--algorithms", "ring,rabenseifner", "--ops", "all"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("#        (B)    (elements)") != std::string::npos);
  int rows = 0, models = 0;
  std::vector<double> times;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    std::istringstream words(line);
    if (line[0] != '#') {  // size count type redop root, then time algbw busbw #wrong twice
      ++rows;
      std::string size, count, type, redop, root, time, algbw, busbw, wrong, time2, algbw2, busbw2, wrong2;
      words >> size >> count >> type >> redop >> root >> time >> algbw >> busbw >> wrong >> time2 >> algbw2 >> busbw2 >>
          wrong2;
      CHECK(wrong == "0");
      CHECK(wrong2 == "0");
      CHECK(time2 == time);
      CHECK(std::stod(time) > 0);
      times.push_back(std::stod(time));
      continue;
    }
    // "#  size(B)  model(us)  sim/model-1  wall(s)" under each table, in the rows' order.
    std::string hash, size, model, relative;
    words >> hash >> size >> model >> relative;
    if (size.empty() || size.find_first_not_of("0123456789") != std::string::npos || model == "-") continue;
    REQUIRE(models < static_cast<int>(times.size()));
    CHECK(std::stod(model) == doctest::Approx(times[models]).epsilon(1e-3));  // rounding of tiny chunks
    ++models;
  }
  CHECK(rows == (2 + 5) * 3);  // 64 B, 2 KiB, 64 KiB
  CHECK(models == rows);
}

TEST_CASE("collectives: dtsim collective rejects bad input with exit code 2") {
  CHECK(dtsim::test::run_dtsim({"collective", "--algorithms", "nope"}).exit_code == 2);
  CHECK(dtsim::test::run_dtsim({"collective", "--ops", "allreduce"}).exit_code == 2);
  CHECK(dtsim::test::run_dtsim({"collective", "--max-bytes", "lots"}).exit_code == 2);
  CHECK(dtsim::test::run_dtsim({"collective", "--fidelity", "medium"}).exit_code == 2);
  auto r = dtsim::test::run_dtsim({"collective", "--nodes", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/cluster/nodes") != std::string::npos);
}

TEST_CASE("collectives: binary tree shapes") {
  for (int p = 1; p <= 70; ++p) {
    int roots = 0, max_depth = 0;
    for (int pos = 0; pos < p; ++pos) {
      const auto node = dtsim::tree::btree_node(p, pos);
      if (node.parent < 0) ++roots;
      else {
        const auto parent = dtsim::tree::btree_node(p, node.parent);
        int listed = 0;
        for (int c : parent.children) listed += c == pos;
        CHECK_MESSAGE(listed == 1, "p=" << p << " pos=" << pos);
      }
      CHECK(node.children.size() <= 2);
      int depth = 0;
      for (int at = pos; at != 0; at = dtsim::tree::btree_node(p, at).parent) ++depth;
      max_depth = std::max(max_depth, depth);
    }
    CHECK(roots == 1);
    int lg = 0;
    while ((1 << lg) < p) ++lg;
    CHECK(max_depth <= lg + 1);
  }
  // Double tree: a rank forwarding in one tree (two children) is a leaf in the other.
  for (int p : {6, 8, 7, 16, 33}) {
    const auto& ops = dtsim::tree::schedules(p, 2, 1);
    for (int r = 0; r < p; ++r) {
      int children[2] = {0, 0};
      for (const auto& op : ops[r])
        if (!op.send && op.reduce) ++children[op.chunk];  // chunk = tree (one segment)
      CHECK_MESSAGE(!(children[0] == 2 && children[1] == 2), "p=" << p << " rank " << r);
    }
  }
}
