// One-peer exponential graph: one peer per round; tau = log2 n rounds average exactly when n is
// a power of two.
#include <doctest/doctest.h>

#include "topologies/logical/bits.h"
#include "topologies/logical/properties.h"
#include "topologies/logical/registry.h"

using namespace dtsim::logical;

namespace {
double distance_to_average_matrix(const Eigen::MatrixXd& P) {
  const auto n = P.rows();
  return (P - Eigen::MatrixXd::Constant(n, n, 1.0 / n)).cwiseAbs().maxCoeff();
}
}  // namespace

TEST_CASE("logical: one-peer exponential product of log2 n rounds is exactly 11^T/n for n = 2^k") {
  double worst = 0;
  for (int n : {2, 4, 8, 16, 32, 64, 128, 256}) {
    const Topology t = make_topology("one_peer_exponential", n);
    CAPTURE(n);
    REQUIRE(t.period() == ceil_log2(n));
    const double err = distance_to_average_matrix(period_product(t));
    CHECK(err <= 1e-12);
    CHECK(rho(t) <= 1e-12);
    worst = std::max(worst, err);
  }
  MESSAGE("one-peer exponential, n = 2..256: largest |product - 11^T/n| entry = " << worst);
}

TEST_CASE("logical: one-peer exponential does not average exactly when n is not a power of 2") {
  for (int n : {3, 5, 6, 7, 10, 12, 24, 100}) {
    const Topology t = make_topology("one_peer_exponential", n);
    CAPTURE(n);
    CHECK(t.period() == ceil_log2(n));
    CHECK(distance_to_average_matrix(period_product(t)) > 1e-3);
    CHECK(rho(t) > 1e-3);
  }
}

TEST_CASE("logical: one-peer exponential peers_at(round, rank) = rank + 2^(round mod tau)") {
  const int n = 12;  // tau = 4
  const Topology t = make_topology("one_peer_exponential", n);
  REQUIRE(t.time_varying());
  for (std::int64_t round : {0, 1, 2, 3, 4, 7, 1001}) {
    const int hop = 1 << (round % 4);
    for (int i = 0; i < n; ++i) {
      CAPTURE(round);
      CAPTURE(i);
      const auto to = t.send_peers(round, i);
      REQUIRE(to.size() == 1);
      CHECK(to[0].rank == (i + hop) % n);
      const auto from = t.recv_peers(round, i);
      REQUIRE(from.size() == 1);
      CHECK(from[0].rank == (i - hop + n) % n);
      CHECK(from[0].weight == 0.5);
      CHECK(t.self_weight(round, i) == 0.5);
    }
  }
  // W(k) = (I + P^(2^(k mod tau)))/2 with P the cyclic shift (P e_j = e_{j+1}).
  Eigen::MatrixXd P = Eigen::MatrixXd::Zero(n, n);
  for (int j = 0; j < n; ++j) P((j + 1) % n, j) = 1;
  for (int k = 0; k < 6; ++k) {
    Eigen::MatrixXd Ps = Eigen::MatrixXd::Identity(n, n);
    for (int s = 0; s < (1 << (k % 4)); ++s) Ps = P * Ps;
    CAPTURE(k);
    CHECK((t.matrix(k) - 0.5 * (Eigen::MatrixXd::Identity(n, n) + Ps)).cwiseAbs().maxCoeff() == 0);
  }
}
