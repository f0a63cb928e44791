// Degree, diameter and traffic of graphs whose values are known by hand.
#include <doctest/doctest.h>

#include "topologies/logical/edge_list.h"
#include "topologies/logical/properties.h"
#include "topologies/logical/registry.h"

using namespace dtsim::logical;

namespace {
struct Expect {
  const char* name;
  int n;
  int per_node_or_rows;
  int diameter;
  int min_deg, max_deg;
  double mean_deg;
};
}  // namespace

TEST_CASE("logical: diameter and degree of known graphs") {
  const Expect cases[] = {
      {"ring", 10, 0, 5, 2, 2, 2.0},
      {"ring", 11, 0, 5, 2, 2, 2.0},
      {"ring", 2, 0, 1, 1, 1, 1.0},
      {"star", 10, 0, 2, 1, 9, 1.8},
      {"complete", 7, 0, 1, 6, 6, 6.0},
      {"hypercube", 16, 0, 4, 4, 4, 4.0},
      {"grid", 12, 0, 5, 2, 4, 34.0 / 12},   // 3 x 4: 17 undirected links
      {"grid", 12, 2, 6, 2, 3, 2 * 16.0 / 12},  // 2 x 6: 16 links
      {"torus", 16, 0, 4, 4, 4, 4.0},
      {"torus", 25, 0, 4, 4, 4, 4.0},
      {"torus", 12, 0, 3, 4, 4, 4.0},        // 3 x 4
      {"exponential", 16, 0, 4, 4, 4, 4.0},  // 15 = 1 + 2 + 4 + 8: four hops
      {"exponential", 10, 0, 3, 4, 4, 4.0},  // hops 1,2,4,8 mod 10: 7 needs three
      {"hierarchical", 16, 4, 6, 2, 4, 2.5},  // 2 to the leader, 2 on the leader ring, 2 back
      {"hierarchical", 8, 2, 4, 1, 3, 2.0},   // machines of 2: inner "ring" is one link
  };
  for (const Expect& e : cases) {
    Params p;
    p.per_node = e.per_node_or_rows;
    p.rows = e.per_node_or_rows;
    const Topology t = make_topology(e.name, e.n, p);
    CAPTURE(e.name);
    CAPTURE(e.n);
    CHECK(diameter(t.graph()) == e.diameter);
    const DegreeStats d = degree_stats(t.graph());
    CHECK(d.min_out == e.min_deg);
    CHECK(d.max_out == e.max_deg);
    CHECK(d.mean_out == doctest::Approx(e.mean_deg));
    CHECK(d.min_in == e.min_deg);
    CHECK(d.max_in == e.max_deg);
    CHECK(d.mean_in == doctest::Approx(e.mean_deg));
  }
}

TEST_CASE("logical: diameter of a path is the distance between its two ends") {
  // 0 - 2 - 3 - 1: only the pair (0, 1) is 3 hops apart.
  CHECK(diameter(from_edge_list(4, {{0, 2}, {2, 3}, {3, 1}}).graph()) == 3);
  // Directed: 0 reaches 1 only by 0 -> 2 -> 3 -> 1; every other pair is at most 2 hops apart.
  CHECK(diameter(from_edge_list(4, {{0, 2}, {2, 3}, {2, 0}, {3, 1}, {3, 0}, {3, 2}, {1, 0}, {1, 2},
                                    {1, 3}}, true).graph()) == 3);
  // One way round a directed 5-cycle: 4 hops from i to i-1.
  CHECK(diameter(from_edge_list(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 0}}, true).graph()) == 4);
}

TEST_CASE("logical: hierarchical links machine rings through their first ranks") {
  Params p;
  p.per_node = 4;
  const Topology t = make_topology("hierarchical", 12, p);  // machines {0..3} {4..7} {8..11}
  CHECK(t.peers_at(0, 4) == std::vector<int>{0, 5, 7, 8});
  CHECK(t.peers_at(0, 5) == std::vector<int>{4, 6});
  CHECK(t.peers_at(0, 0) == std::vector<int>{1, 3, 4, 8});
}

TEST_CASE("logical: diameter of a disconnected or one-way-unreachable graph is -1") {
  Params p;
  p.p = 0.0;
  CHECK(diameter(make_topology("erdos_renyi", 5, p).graph()) == -1);
  CHECK(diameter(make_topology("ring", 1).graph()) == 0);
  // One round of one-peer exponential on 8 ranks (shift by 4) splits into 4 pairs; the union of
  // its 3 rounds is the static exponential graph.
  const Topology t = make_topology("one_peer_exponential", 8);
  CHECK(diameter(t.graph(2)) == -1);
  CHECK(diameter(union_graph(t)) == diameter(make_topology("exponential", 8).graph()));
  CHECK(diameter(union_graph(t)) == 3);
}

TEST_CASE("logical: messages and bytes sent per rank per round") {
  const double mb = 1e6;
  Traffic tr = traffic_per_round(make_topology("exponential", 16), mb);
  CHECK(tr.max_messages == 4);
  CHECK(tr.mean_messages == 4.0);
  CHECK(tr.max_bytes == 4 * mb);
  CHECK(tr.total_bytes_per_round == 64 * mb);
  tr = traffic_per_round(make_topology("one_peer_exponential", 16), mb);
  CHECK(tr.max_messages == 1);
  CHECK(tr.mean_bytes == mb);
  tr = traffic_per_round(make_topology("star", 9), 100);
  CHECK(tr.max_messages == 8);
  CHECK(tr.mean_messages == doctest::Approx(16.0 / 9));
  CHECK(tr.max_bytes == 800);
  CHECK(tr.total_bytes_per_round == 1600);
  tr = traffic_per_round(make_topology("ring", 6), 10);
  CHECK(tr.max_messages == 2);
  CHECK(tr.total_bytes_per_round == 120);
}
