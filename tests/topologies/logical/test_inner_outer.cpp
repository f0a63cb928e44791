// BlueFog's machine-aware inner-outer graphs: doubly stochastic every round, one cross-machine flow
// per machine per round, the period, and the send/recv ranks of BlueFog's own formulation
// (topology_util's GetInnerOuterExpo2DynamicSendRecvRanks: skip the outgoing rank by adding 1 to the
// hop when it would reach or pass it), restated here independently of inner_outer.cpp.
#include <doctest/doctest.h>

#include <numeric>

#include "topologies/logical/bits.h"
#include "topologies/logical/properties.h"
#include "topologies/logical/registry.h"
#include "topologies/logical/validate.h"

using namespace dtsim::logical;

namespace {

Topology inner_outer(const std::string& name, int machines, int g) {
  Params p;
  p.per_node = g;
  return make_topology(name, machines * g, p);
}

int mod(long long a, int m) { return static_cast<int>(((a % m) + m) % m); }

// BlueFog's (send, recv) for `rank` at round k; exponential: hops 2^(k mod (floor(log2(M-1)) + 1)) across
// machines and 2^(k mod (floor(log2(g-2)) + 1)) inside; ring: hop 1 in both.
std::pair<int, int> bluefog_peers(bool exponential, int machines, int g, int rank, long long k) {
  auto floor_log2 = [](int x) { int e = 0; while ((2 << e) <= x) ++e; return e; };
  const int machine = rank / g, local = rank % g, out = static_cast<int>(k % g);
  if (local == out) {
    const int hop = exponential ? 1 << (k % (floor_log2(machines - 1) + 1)) : 1;
    return {mod(machine + hop, machines) * g + local, mod(machine - hop, machines) * g + local};
  }
  const int inner = exponential ? 1 << (k % (floor_log2(g - 2) + 1)) : 1;
  int to = inner, from = inner;
  if (to >= mod(out - local, g)) ++to;
  if (from >= mod(local - out, g)) ++from;
  return {machine * g + mod(local + to, g), machine * g + mod(local - from, g)};
}

}  // namespace

TEST_CASE("logical: inner-outer graphs follow BlueFog's send/recv schedule") {
  for (bool exponential : {true, false})
    for (int machines : {2, 3, 4, 5, 8})
      for (int g : {3, 4, 5, 8}) {
        const Topology t = inner_outer(exponential ? "inner_outer_exponential" : "inner_outer_ring", machines, g);
        for (long long k = 0; k < 2 * t.period() + 1; ++k)
          for (int r = 0; r < machines * g; ++r) {
            CAPTURE(exponential); CAPTURE(machines); CAPTURE(g); CAPTURE(k); CAPTURE(r);
            const auto [to, from] = bluefog_peers(exponential, machines, g, r, k);
            const auto sends = t.send_peers(k, r);
            const auto receives = t.recv_peers(k, r);
            REQUIRE(sends.size() == 1);
            REQUIRE(receives.size() == 1);
            CHECK(sends[0].rank == to);
            CHECK(receives[0].rank == from);
            CHECK(receives[0].weight == 0.5);
            CHECK(t.self_weight(k, r) == 0.5);
          }
      }
}

TEST_CASE("logical: inner-outer graphs are doubly stochastic with one cross-machine flow per machine per round") {
  for (const char* name : {"inner_outer_exponential", "inner_outer_ring"})
    for (int machines : {1, 2, 3, 4, 6, 16})
      for (int g : {1, 2, 3, 4, 8}) {
        const Topology t = inner_outer(name, machines, g);
        CAPTURE(name); CAPTURE(machines); CAPTURE(g);
        CHECK(check_doubly_stochastic(t) == "");
        for (int k = 0; k < t.period(); ++k) {
          std::vector<int> leaving(machines, 0), arriving(machines, 0);
          for (int r = 0; r < machines * g; ++r)
            for (const Peer& p : t.send_peers(k, r))
              if (p.rank / g != r / g) ++leaving[r / g], ++arriving[p.rank / g];
          const int expected = machines > 1 ? 1 : 0;
          for (int m = 0; m < machines; ++m) {
            CHECK(leaving[m] == expected);
            CHECK(arriving[m] == expected);
          }
        }
      }
}

TEST_CASE("logical: inner-outer periods are lcm(g with ceil(log2 M) and ceil(log2(g-1))) and g") {
  CHECK(inner_outer("inner_outer_exponential", 4, 8).period() == 24);   // lcm(8, 2, 3)
  CHECK(inner_outer("inner_outer_exponential", 16, 8).period() == 24);  // lcm(8, 4, 3)
  CHECK(inner_outer("inner_outer_exponential", 32, 4).period() == 20);  // lcm(4, 5, 2)
  CHECK(inner_outer("inner_outer_exponential", 8, 2).period() == 6);    // lcm(2, 3): no inner ring
  CHECK(inner_outer("inner_outer_ring", 4, 8).period() == 8);
  // Every rank goes outside once in g rounds.
  const Topology t = inner_outer("inner_outer_exponential", 4, 8);
  for (int r = 0; r < 32; ++r) {
    int outside = 0;
    for (int k = 0; k < 8; ++k) outside += t.send_peers(k, r)[0].rank / 8 != r / 8;
    CHECK(outside == 1);
  }
}

// BlueFog states no exact-averaging period for these graphs (unlike the one-peer exponential graph over
// 2^k ranks): one period mixes, but not to the exact average.
TEST_CASE("logical: one inner-outer period contracts but does not average exactly") {
  for (int machines : {2, 4, 8}) {
    const Topology t = inner_outer("inner_outer_exponential", machines, 8);
    const Eigen::MatrixXd P = period_product(t);
    const auto n = P.rows();
    const double from_average = (P - Eigen::MatrixXd::Constant(n, n, 1.0 / n)).cwiseAbs().maxCoeff();
    MESSAGE("inner_outer_exponential " << machines << " x 8: rho of one period (" << t.period()
                                       << " rounds) = " << rho(t) << ", max |P - 11^T/n| = " << from_average);
    CHECK(from_average > 1e-6);
    CHECK(rho(t) < 0.5);
    CHECK(rho(t) > 0);
  }
}

TEST_CASE("logical: inner-outer graphs reject a per-node that does not divide the ranks") {
  Params p;
  p.per_node = 3;
  CHECK_THROWS_WITH_AS(make_topology("inner_outer_exponential", 8, p),
                       doctest::Contains("must be a positive divisor of 8 ranks, got 3"), std::invalid_argument);
  p.per_node = 0;
  CHECK_THROWS_AS(make_topology("inner_outer_ring", 8, p), std::invalid_argument);
  p.per_node = 2;
  p.weighting = Weighting::MetropolisHastings;  // directed rounds
  CHECK_THROWS_AS(make_topology("inner_outer_ring", 8, p), std::invalid_argument);
}
