// BlueFog's neighbor-averaging example: x_i = i on 10 ranks over the static exponential graph
// with weights 1/(neighbours + 1) converges to the average 4.5 on every rank.
#include <doctest/doctest.h>

#include "topologies/logical/registry.h"

#include <cmath>

using namespace dtsim::logical;

namespace {
// One gossip round the way a rank does it: its own weight plus what it receives.
std::vector<double> gossip(const Topology& t, std::int64_t round, const std::vector<double>& x) {
  std::vector<double> next(x.size());
  for (int i = 0; i < t.size(); ++i) {
    double v = t.self_weight(round, i) * x[i];
    for (const Peer& p : t.recv_peers(round, i)) v += p.weight * x[p.rank];
    next[i] = v;
  }
  return next;
}
double max_error(const std::vector<double>& x, double target) {
  double e = 0;
  for (double v : x) e = std::max(e, std::abs(v - target));
  return e;
}
}  // namespace

TEST_CASE("logical: averaging rank ids over the static exponential graph on 10 ranks gives 4.5") {
  // rho = 0.6 for n = 10 (tau = 4), so 100 rounds shrink the initial spread (4.5) by 0.6^100
  // ~ 6e-23: only rounding remains. Tolerance 1e-12 on every rank after 100 rounds.
  const Topology t = make_topology("exponential", 10);
  std::vector<double> x(10);
  for (int i = 0; i < 10; ++i) x[i] = i;
  for (int i = 0; i < 10; ++i) CHECK(t.recv_peers(0, i).size() == 4);
  for (int round = 0; round < 100; ++round) {
    x = gossip(t, round, x);
    if (round == 4) CHECK(max_error(x, 4.5) > 1e-3);  // not there yet after 5 rounds
  }
  for (int i = 0; i < 10; ++i) {
    CAPTURE(i);
    CHECK(std::abs(x[i] - 4.5) <= 1e-12);
  }
  MESSAGE("after 100 rounds: max |x_i - 4.5| = " << max_error(x, 4.5));
}

TEST_CASE("logical: one-peer exponential averages 8 ranks' ids exactly in 3 rounds") {
  const Topology t = make_topology("one_peer_exponential", 8);
  std::vector<double> x(8);
  for (int i = 0; i < 8; ++i) x[i] = i;
  for (int round = 0; round < 3; ++round) x = gossip(t, round, x);
  CHECK(max_error(x, 3.5) <= 1e-15);
}
