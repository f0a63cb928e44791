// The graph <-> matrix convention: edge u -> v with weight w is W(v, u) = w; x <- W x.
#include <doctest/doctest.h>

#include "topologies/logical/edge_list.h"
#include "topologies/logical/graph.h"
#include "topologies/logical/validate.h"

using namespace dtsim::logical;

TEST_CASE("logical: edge u -> v is W(v, u) and peers come sorted with their weights") {
  Graph g(3);
  set_weight(g, 0, 1, 0.25);  // 0 sends to 1; 1 gives 0's value weight 0.25
  set_weight(g, 2, 1, 0.5);
  set_weight(g, 1, 1, 0.25);
  set_weight(g, 0, 0, 1.0);
  set_weight(g, 2, 2, 1.0);
  set_weight(g, 2, 1, 0.5);  // overwrite, not a second edge
  CHECK(boost::num_edges(g) == 5);
  const Eigen::MatrixXd W = mixing_matrix(g);
  CHECK(W(1, 0) == 0.25);
  CHECK(W(0, 1) == 0.0);
  CHECK(W(1, 2) == 0.5);
  CHECK(W(1, 1) == 0.25);
  CHECK(in_peers(g, 1) == std::vector<Peer>{{0, 0.25}, {2, 0.5}});
  CHECK(out_peers(g, 0) == std::vector<Peer>{{1, 0.25}});
  CHECK(out_peers(g, 1).empty());
  CHECK(self_weight(g, 1) == 0.25);
  CHECK(weight(g, 1, 0) == 0.0);
  CHECK_THROWS_AS(in_peers(g, 3), std::out_of_range);
  const Eigen::MatrixXd back = mixing_matrix(graph_from_matrix(W));
  CHECK((back - W).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("logical: user edge list without weights equals the generator it spells") {
  std::vector<Edge> ring;
  for (int i = 0; i < 6; ++i) ring.push_back({i, (i + 1) % 6});
  const Topology t = from_edge_list(6, ring);
  CHECK(t.weighting() == Weighting::MetropolisHastings);
  CHECK((t.matrix() - make_topology("ring", 6).matrix()).cwiseAbs().maxCoeff() == 0.0);

  // Directed: uniform 1/(in-degree + 1) per row.
  const Topology d = from_edge_list(3, {{0, 1}, {1, 2}, {2, 0}}, /*directed=*/true);
  CHECK(d.weighting() == Weighting::Uniform);
  CHECK(d.recv_peers(0, 1) == std::vector<Peer>{{0, 0.5}});
  CHECK(check_doubly_stochastic(d) == "");

  // Given weights; self weight defaults to the rest of the row.
  Params p;
  p.edges = {{0, 1, 0.3}, {1, 2, 0.2}};
  const Topology w = make_topology("edge_list", 3, p);
  CHECK(w.weighting() == Weighting::Given);
  CHECK(w.self_weight(0, 1) == doctest::Approx(0.5));
  CHECK(w.matrix()(0, 1) == 0.3);
  CHECK_THROWS_WITH_AS(from_edge_list(3, {{0, 1, 0.3}, {1, 2}}), doctest::Contains("give all or none"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(from_edge_list(3, {{0, 5}}), doctest::Contains("outside 0..2"),
                       std::invalid_argument);
}
