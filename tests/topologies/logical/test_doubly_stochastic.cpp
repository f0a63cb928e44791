// Every generator's W is doubly stochastic; bad weights are rejected with a message that says
// where.
#include <doctest/doctest.h>

#include "topologies/logical/bits.h"
#include "topologies/logical/edge_list.h"
#include "topologies/logical/registry.h"
#include "topologies/logical/validate.h"

#include <algorithm>

using namespace dtsim::logical;

TEST_CASE("logical: registry holds every generator by name") {
  const auto names = topology_names();
  for (const char* name : {"ring", "star", "grid", "torus", "hypercube", "complete", "erdos_renyi",
                           "exponential", "one_peer_exponential", "hierarchical", "edge_list"}) {
    CAPTURE(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
    CHECK(find_topology(name) != nullptr);
  }
  CHECK(find_topology("one-peer-exponential") != nullptr);  // '-' and '_' alike
  CHECK(find_topology("mesh") == nullptr);
  CHECK_THROWS_WITH_AS(make_topology("mesh", 4), doctest::Contains("unknown topology 'mesh'"),
                       std::invalid_argument);
}

TEST_CASE("logical: every generator gives a doubly stochastic W") {
  int checked = 0;
  for (const auto& name : topology_names()) {
    if (name == "edge_list") continue;  // needs user links; covered below
    for (int n : {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 16, 17, 25, 32, 36}) {
      Params p;
      if (name == "hypercube" && !is_power_of_two(n)) continue;
      const bool machine_aware = name == "hierarchical" || name.rfind("inner_outer", 0) == 0;
      if (machine_aware) p.per_node = n % 4 == 0 ? 4 : (n % 3 == 0 ? 3 : 1);
      p.p = 0.3;
      p.seed = static_cast<std::uint64_t>(n);
      const Topology t = make_topology(name, n, p);
      CAPTURE(name);
      CAPTURE(n);
      REQUIRE(t.size() == n);
      const bool symmetric =
          name != "exponential" && name != "one_peer_exponential" && name.rfind("inner_outer", 0) != 0;
      CHECK(check_doubly_stochastic(t, symmetric, 1e-12) == "");
      ++checked;
    }
  }
  CHECK(checked >= 10 * 12);
  // Metropolis weights fix irregular graphs; uniform 1/(deg+1) on a star does not.
  Params uniform;
  uniform.weighting = Weighting::Uniform;
  CHECK(check_doubly_stochastic(make_topology("star", 5, uniform)) ==
        "column 0 sums to 2.2, not 1 (W is not doubly stochastic: rank 0's value is not "
        "conserved, so the average drifts)");
  Params mh_directed;
  mh_directed.weighting = Weighting::MetropolisHastings;
  CHECK_THROWS_WITH_AS(make_topology("exponential", 8, mh_directed),
                       doctest::Contains("need an undirected graph"), std::invalid_argument);
}

TEST_CASE("logical: a given W that is not doubly stochastic is rejected with its message") {
  Eigen::MatrixXd W(3, 3);
  W << 0.5, 0.5, 0.0,  //
      0.25, 0.5, 0.25,  //
      0.0, 0.5, 0.5;   // rows sum to 1; columns sum to 0.75, 1.5, 0.75
  CHECK(check_doubly_stochastic(W) ==
        "column 0 sums to 0.75, not 1 (W is not doubly stochastic: rank 0's value is not "
        "conserved, so the average drifts)");
  CHECK_THROWS_WITH_AS(from_matrix("mine", W), doctest::Contains("mine: column 0 sums to 0.75"),
                       std::invalid_argument);

  W << 0.5, 0.5, 0.0,  //
      0.5, 0.25, 0.0,  //
      0.0, 0.25, 1.0;
  CHECK(check_doubly_stochastic(W) ==
        "row 1 sums to 0.75, not 1 (W is not row stochastic: rank 1's weights do not add up to "
        "1)");

  W << 1.5, -0.5, 0.0,  //
      -0.5, 1.5, 0.0,  //
      0.0, 0.0, 1.0;
  CHECK(check_doubly_stochastic(W) == "W(0,1) = -0.5 is negative (mixing weights must be >= 0)");

  // Doubly stochastic but not symmetric: accepted unless symmetry is required.
  W << 0.5, 0.5, 0.0,  //
      0.0, 0.5, 0.5,  //
      0.5, 0.0, 0.5;
  CHECK(check_doubly_stochastic(W) == "");
  CHECK(check_doubly_stochastic(W, true) ==
        "W(0,1) = 0.5 but W(1,0) = 0 (W must be symmetric here)");
  CHECK_NOTHROW(from_matrix("cyclic", W));
  CHECK_THROWS_AS(from_matrix("cyclic", W, true), std::invalid_argument);

  // The same through a user edge list with weights: W(1,0) = 0.7, W(0,0) = 0.5, W(1,1) = 0.3:
  // row 0 sums to 0.5.
  CHECK_THROWS_WITH_AS(
      from_edge_list(2, {{0, 1, 0.7}}, /*directed=*/true, Weighting::Default, {0.5, 0.3}),
      doctest::Contains("row 0 sums to 0.5"), std::invalid_argument);
}
