// The sparse doubly-stochastic check (what validation runs on a topology's graphs) says exactly what
// the dense one says: on every generator, on hand-made bad matrices, and on large graphs the dense
// check could not hold in memory.
#include <doctest/doctest.h>

#include "topologies/logical/bits.h"
#include "topologies/logical/registry.h"
#include "topologies/logical/validate.h"

#include <cmath>
#include <limits>
#include <string>

using namespace dtsim::logical;

namespace {
// The sparse check of W built through its graph (edges, parallel ones summed), as a topology has it.
std::string sparse_check(const Eigen::MatrixXd& W, bool symmetric) {
  return check_doubly_stochastic(sparse_mixing_matrix(graph_from_matrix(W)), symmetric);
}
}  // namespace

TEST_CASE("logical: sparse and dense doubly-stochastic checks agree on every generator") {
  int compared = 0, rejected = 0;
  for (const auto& name : topology_names()) {
    if (name == "edge_list") continue;
    for (int n : {2, 3, 5, 8, 12, 16, 17}) {
      if (name == "hypercube" && !is_power_of_two(n)) continue;
      Params p;
      const bool machine_aware = name == "hierarchical" || name.rfind("inner_outer", 0) == 0;
      if (machine_aware) p.per_node = n % 4 == 0 ? 4 : 1;
      p.p = 0.3;
      p.seed = static_cast<std::uint64_t>(n);
      const Topology t = make_topology(name, n, p);
      for (int k = 0; k < t.period(); ++k)
        for (bool symmetric : {false, true}) {
          const std::string dense = check_doubly_stochastic(t.matrix(k), symmetric);
          const std::string sparse = check_doubly_stochastic(sparse_mixing_matrix(t.graph(k)), symmetric);
          INFO(name << " n=" << n << " round " << k << " symmetric " << symmetric);
          CHECK(sparse == dense);
          ++compared;
          rejected += dense.empty() ? 0 : 1;
        }
    }
  }
  CHECK(compared > 200);
  CHECK(rejected > 0);  // the directed graphs (exponential, one-peer) fail the symmetric check: compared too
}

TEST_CASE("logical: the sparse check catches a W that is not doubly stochastic, with the dense message") {
  Eigen::MatrixXd W(3, 3);
  W << 0.5, 0.5, 0.0,  //
      0.25, 0.5, 0.25,  //
      0.0, 0.5, 0.5;    // columns sum to 0.75, 1.5, 0.75
  CHECK(sparse_check(W, false) ==
        "column 0 sums to 0.75, not 1 (W is not doubly stochastic: rank 0's value is not conserved, so the "
        "average drifts)");
  W << 0.5, 0.5, 0.0,  //
      0.5, 0.25, 0.0,  //
      0.0, 0.25, 1.0;   // row 1 sums to 0.75
  CHECK(sparse_check(W, false) ==
        "row 1 sums to 0.75, not 1 (W is not row stochastic: rank 1's weights do not add up to 1)");
  W << 1.5, -0.5, 0.0,  //
      -0.5, 1.5, 0.0,  //
      0.0, 0.0, 1.0;
  CHECK(sparse_check(W, false) == "W(0,1) = -0.5 is negative (mixing weights must be >= 0)");
  W(2, 2) = std::numeric_limits<double>::quiet_NaN();  // later in row-major order than W(0,1): not reported
  CHECK(sparse_check(W, false) == check_doubly_stochastic(W));
  W(0, 0) = std::numeric_limits<double>::infinity();
  CHECK(sparse_check(W, false) == "W(0,0) = inf is not finite");
  // Doubly stochastic, not symmetric; the unstored W(1,0) = 0 is the asymmetric partner of W(0,1).
  W << 0.5, 0.5, 0.0,  //
      0.0, 0.5, 0.5,  //
      0.5, 0.0, 0.5;
  CHECK(sparse_check(W, false) == "");
  CHECK(sparse_check(W, true) == "W(0,1) = 0.5 but W(1,0) = 0 (W must be symmetric here)");
  CHECK(sparse_check(W, true) == check_doubly_stochastic(W, true));
}

TEST_CASE("logical: parallel edges add up in the sparse W, as in the dense one") {
  Graph g(2);
  boost::add_edge(0, 1, 0.25, g);
  boost::add_edge(0, 1, 0.25, g);  // W(1,0) = 0.5 in all
  boost::add_edge(1, 0, 0.5, g);
  boost::add_edge(0, 0, 0.5, g);
  boost::add_edge(1, 1, 0.5, g);
  const SparseW W = sparse_mixing_matrix(g);
  CHECK(W.coeff(1, 0) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(check_doubly_stochastic(W, true) == "");
  CHECK(check_doubly_stochastic(mixing_matrix(g), true) == "");
}

TEST_CASE("logical: the sparse check holds 16,384 ranks and finds one bad weight among them") {
  const int n = 16384;  // a dense W would take 2 GiB
  const Topology exp = make_topology("one_peer_exponential", n);
  CHECK(exp.period() == 14);
  CHECK(check_doubly_stochastic(exp) == "");
  Graph ring = make_topology("ring", n).graph(0);
  CHECK(check_doubly_stochastic(sparse_mixing_matrix(ring), true) == "");
  // Rank 9000 gives its left neighbour 1e-6 more: its row and that neighbour's column no longer sum to 1.
  set_weight(ring, 8999, 9000, weight(ring, 8999, 9000) + 1e-6);
  const std::string problem = check_doubly_stochastic(sparse_mixing_matrix(ring), true);
  CHECK(problem.rfind("row 9000 sums to 1.000001", 0) == 0);
}
