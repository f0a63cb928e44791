// The `topo` command: output, DOT file, and exit status 2 with a message on bad arguments.
#include <doctest/doctest.h>

#include "topologies/logical/topo_main.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using dtsim::logical::topo_main;
namespace fs = std::filesystem;

namespace {
struct Run {
  int rc;
  std::string out, err;
};
Run topo(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int rc = topo_main(args, out, err);
  return {rc, out.str(), err.str()};
}
}  // namespace

TEST_CASE("logical: topo prints the properties of a graph") {
  Run r = topo({"exponential", "--nodes", "16", "--bytes", "2MB"});
  CHECK(r.rc == 0);
  CHECK(r.err == "");
  CHECK(r.out.find("ranks                       16\n") != std::string::npos);
  CHECK(r.out.find("rho = ||W - 11^T/n||        0.6\n") != std::string::npos);
  CHECK(r.out.find("doubly stochastic           yes\n") != std::string::npos);
  CHECK(r.out.find("diameter                    4\n") != std::string::npos);
  CHECK(r.out.find("messages sent/rank/round    max 4  mean 4.000\n") != std::string::npos);
  CHECK(r.out.find("bytes sent/rank/round       max 8 MB") != std::string::npos);

  r = topo({"one_peer_exponential", "-n", "8"});
  CHECK(r.rc == 0);
  CHECK(r.out.find("rounds per period           3 (time-varying)") != std::string::npos);
  CHECK(r.out.find("rho of 3-round product      0\n") != std::string::npos);

  r = topo({"star", "--nodes", "5", "--weights", "uniform"});
  CHECK(r.rc == 0);
  CHECK(r.out.find("doubly stochastic           NO: column 0 sums to 2.2") != std::string::npos);

  r = topo({"erdos_renyi", "--nodes", "10", "--p", "0.3", "--seed", "1"});
  CHECK(r.rc == 0);
  CHECK(r.err == "");
  r = topo({"ring", "--nodes", "5", "--p", "0.3"});
  CHECK(r.rc == 0);
  CHECK(r.err.find("--p does not apply to ring") != std::string::npos);
}

TEST_CASE("logical: topo writes the DOT file when asked") {
  const fs::path file = fs::temp_directory_path() / ("dtsim_topo_" + std::to_string(::getpid()) + ".dot");
  fs::remove(file);
  const Run r = topo({"hierarchical", "--nodes", "8", "--per-node", "4", "--dot", file.string()});
  CHECK(r.rc == 0);
  CHECK(r.out.find("wrote " + file.string()) != std::string::npos);
  std::ifstream in(file);
  std::stringstream dot;
  dot << in.rdbuf();
  CHECK(dot.str().rfind("digraph \"hierarchical\"", 0) == 0);
  CHECK(dot.str().find("  0 -> 4 [label=") != std::string::npos);  // leaders' ring
  fs::remove(file);
  CHECK(topo({"ring", "--nodes", "4", "--dot", "/nonexistent_dir/x.dot"}).rc == 2);  // an unwritable --dot is bad input
}

TEST_CASE("logical: topo rejects bad arguments with a message and status 2") {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{}, "missing GRAPH"},
      {{"ring"}, "missing --nodes N"},
      {{"ring", "--nodes"}, "--nodes needs a value"},
      {{"ring", "--nodes", "ten"}, "--nodes expects an integer, got 'ten'"},
      {{"ring", "--nodes", "10x"}, "--nodes expects an integer, got '10x'"},
      {{"ring", "--nodes", "0"}, "--nodes must be between 1 and 1000000, got 0"},
      {{"mesh", "--nodes", "4"}, "unknown graph 'mesh'; known: complete, edge_list"},
      {{"ring", "--nodes", "4", "--frobnicate"}, "unknown option '--frobnicate'"},
      {{"ring", "torus", "--nodes", "4"}, "unexpected argument 'torus'"},
      {{"erdos_renyi", "--nodes", "4", "--p", "abc"}, "--p expects a number, got 'abc'"},
      {{"erdos_renyi", "--nodes", "4", "--p", "2"}, "--p must be in [0, 1]"},
      {{"hypercube", "--nodes", "6"}, "hypercube needs a power-of-two number of ranks, got 6"},
      {{"hierarchical", "--nodes", "10"}, "--per-node G (ranks per machine) must be a positive divisor"},
      {{"hierarchical", "--nodes", "10", "--per-node", "3"}, "must be a positive divisor of 10"},
      {{"grid", "--nodes", "10", "--rows", "3"}, "--rows 3 must be a positive divisor of 10"},
      {{"ring", "--nodes", "4", "--weights", "magic"}, "unknown weighting 'magic'"},
      {{"ring", "--nodes", "4", "--bytes", "1XB"}, "--bytes expects a size"},
      {{"edge_list", "--nodes", "4"}, "edge_list takes its links from a scenario file"},
  };
  for (const auto& c : cases) {  // not a structured binding: CAPTURE takes `message` in a lambda
    const auto& args = c.first;
    const std::string& message = c.second;
    CAPTURE(message);
    const Run r = topo(args);
    CHECK(r.rc == 2);
    CHECK(r.out == "");
    CHECK(r.err.find(message) != std::string::npos);
  }
  CHECK(topo({"--help"}).rc == 0);
  CHECK(topo({"--list"}).out.find("one_peer_exponential") != std::string::npos);
}
