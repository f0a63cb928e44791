// DOT output: one "u -> v" line per link, written atomically.
#include <doctest/doctest.h>

#include "topologies/logical/dot.h"
#include "topologies/logical/registry.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace dtsim::logical;
namespace fs = std::filesystem;

namespace {
using Link = std::tuple<int, int, std::string>;  // from, to, label

std::multiset<Link> parse_edges(const std::string& dot) {
  std::multiset<Link> out;
  const std::regex edge(R"(^\s*(\d+) -> (\d+) \[label="([^"]*)\")");
  std::istringstream in(dot);
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, edge)) out.emplace(std::stoi(m[1]), std::stoi(m[2]), m[3]);
  return out;
}
std::string label(double w, int round, bool tv) {
  std::ostringstream s;
  s.precision(6);
  if (tv) s << "r" << round << ": ";
  s << w;
  return s.str();
}
std::multiset<Link> expected_edges(const Topology& t) {
  std::multiset<Link> out;
  for (int k = 0; k < t.period(); ++k)
    for (int v = 0; v < t.size(); ++v)
      for (const Peer& p : t.recv_peers(k, v)) out.emplace(p.rank, v, label(p.weight, k, t.time_varying()));
  return out;
}
std::string dot_of(const Topology& t) {
  std::ostringstream s;
  write_dot(s, t);
  return s.str();
}
}  // namespace

TEST_CASE("logical: DOT output contains every edge with its weight and nothing else") {
  Params er;
  er.p = 0.4;
  er.seed = 3;
  for (const Topology& t : {make_topology("ring", 5), make_topology("star", 6),
                            make_topology("exponential", 10), make_topology("erdos_renyi", 12, er),
                            make_topology("one_peer_exponential", 8)}) {
    CAPTURE(t.name());
    const std::string dot = dot_of(t);
    CHECK(dot.rfind("digraph \"" + t.name() + "\" {\n", 0) == 0);
    CHECK(dot.substr(dot.size() - 2) == "}\n");
    const auto edges = parse_edges(dot);
    CHECK(edges == expected_edges(t));
    CHECK(!edges.empty());
    for (int v = 0; v < t.size(); ++v)
      CHECK(dot.find("\n  " + std::to_string(v) + " [label=") != std::string::npos);
  }
  CHECK(parse_edges(dot_of(make_topology("ring", 5))).count({0, 1, "0.333333"}) == 1);
}

TEST_CASE("logical: DOT file is written atomically and a bad path is an error") {
  const fs::path dir = fs::temp_directory_path() / ("dtsim_dot_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "ring.dot";
  {
    std::ofstream old(file);
    old << "old contents";
  }
  const Topology t = make_topology("ring", 4);
  write_dot_file(file.string(), t);
  std::ifstream in(file);
  std::stringstream got;
  got << in.rdbuf();
  CHECK(got.str() == dot_of(t));
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  CHECK(entries == 1);  // no temporary left behind
  CHECK_THROWS_WITH_AS(write_dot_file((dir / "no_such_dir" / "x.dot").string(), t),
                       doctest::Contains("cannot write"), std::runtime_error);
  fs::remove_all(dir);
}
