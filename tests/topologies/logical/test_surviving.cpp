// The gossip topology surviving failed ranks (topologies/logical/surviving.h): doubly stochastic and
// symmetric again, dead ranks cut off, live ranks still connected (rho < 1 on the live block), and
// a ring routed around its dead rank is the ring of n-1.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "topologies/logical/properties.h"
#include "topologies/logical/registry.h"
#include "topologies/logical/surviving.h"
#include "topologies/logical/validate.h"

using namespace dtsim::logical;

namespace {

// The rows and columns of W's live ranks.
Eigen::MatrixXd live_block(const Eigen::MatrixXd& W, const std::vector<char>& dead) {
  std::vector<int> live;
  for (int r = 0; r < static_cast<int>(dead.size()); ++r)
    if (!dead[static_cast<std::size_t>(r)]) live.push_back(r);
  const int m = static_cast<int>(live.size());
  Eigen::MatrixXd B(m, m);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) B(i, j) = W(live[i], live[j]);
  return B;
}

}  // namespace

TEST_CASE("surviving topology: doubly stochastic, symmetric and connected after deaths, on every kind of graph") {
  struct Case { std::string graph; int n; std::vector<int> deaths; };
  const std::vector<Case> cases = {{"ring", 8, {3}},          {"ring", 8, {3, 4}},        {"ring", 16, {0, 9}},
                                   {"torus", 16, {5}},        {"grid", 9, {4}},           {"exponential", 16, {1, 2, 7}},
                                   {"hypercube", 16, {0}},    {"complete", 6, {2}},       {"star", 6, {3}},
                                   {"one_peer_exponential", 8, {6}}};
  for (const Case& c : cases) {
    const std::string graph = c.graph;
    const int n = c.n;
    CAPTURE(graph);
    CAPTURE(n);
    const Topology t = make_topology(graph, n);
    std::vector<char> dead(static_cast<std::size_t>(n), 0);
    for (int d : c.deaths) dead[static_cast<std::size_t>(d)] = 1;
    const Topology s = surviving_topology(t, dead);
    CHECK(check_doubly_stochastic(s, /*require_symmetric=*/true) == "");
    for (int k = 0; k < s.period(); ++k) {
      const Eigen::MatrixXd W = s.matrix(k);
      for (int d : c.deaths) {  // a dead rank neither sends nor receives
        CHECK(W(d, d) == 1.0);
        CHECK(W.row(d).sum() == 1.0);
        CHECK(W.col(d).sum() == 1.0);
      }
      const Eigen::MatrixXd B = live_block(W, dead);
      const Eigen::VectorXd ones = Eigen::VectorXd::Ones(B.rows());
      CHECK((B * ones - ones).cwiseAbs().maxCoeff() < 1e-12);
      CHECK((B.transpose() * ones - ones).cwiseAbs().maxCoeff() < 1e-12);
      CHECK((B - B.transpose()).cwiseAbs().maxCoeff() < 1e-15);
      CHECK(B.minCoeff() >= 0);
    }
    // Consensus still contracts over the live ranks (the graph stays connected): over one period.
    Eigen::MatrixXd P = Eigen::MatrixXd::Identity(n, n);
    for (int k = 0; k < s.period(); ++k) P = s.matrix(k) * P;
    const double r = rho(live_block(P, dead));
    INFO("rho of the live block " << r);
    CHECK(r < 1 - 1e-9);
  }
}

TEST_CASE("surviving topology: a ring routed around a dead rank is the ring of n-1, with its Metropolis weights") {
  const Topology t = make_topology("ring", 8);
  std::vector<char> dead(8, 0);
  dead[3] = 1;
  const Eigen::MatrixXd W = surviving_topology(t, dead).matrix();
  // Every live rank has two neighbours: Metropolis-Hastings weights 1/3 each, 1/3 for itself.
  CHECK(W(2, 4) == doctest::Approx(1.0 / 3));
  CHECK(W(4, 2) == doctest::Approx(1.0 / 3));
  for (int r : {0, 1, 2, 4, 5, 6, 7}) CHECK(W(r, r) == doctest::Approx(1.0 / 3));
  // rho of the ring of 7 with weights 1/3: (1 + 2 cos(2 pi / 7)) / 3.
  const double expected = (1 + 2 * std::cos(2 * M_PI / 7)) / 3;
  CHECK(rho(live_block(W, dead)) == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("surviving topology: a flag per rank") {
  CHECK_THROWS_AS(surviving_topology(make_topology("ring", 4), std::vector<char>(3, 0)), std::invalid_argument);
}
