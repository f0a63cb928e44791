// rho = ||W - 11^T/n|| against the closed forms in ../shared/reference/formulas.md.
#include <doctest/doctest.h>

#include "topologies/logical/bits.h"
#include "topologies/logical/properties.h"
#include "topologies/logical/registry.h"

#include <cmath>

using namespace dtsim::logical;

namespace {
const double kPi = std::acos(-1.0);
}

TEST_CASE("logical: ring rho matches 1/3 + (2/3) cos(2 pi / n)") {
  double worst = 0;
  for (int n : {3, 4, 5, 6, 7, 8, 10, 16, 33, 64, 100}) {
    const Topology t = make_topology("ring", n);
    const double expected = 1.0 / 3 + 2.0 / 3 * std::cos(2 * kPi / n);
    CAPTURE(n);
    CHECK(std::abs(rho(t) - expected) <= 1e-9);
    worst = std::max(worst, std::abs(rho(t) - expected));
  }
  MESSAGE("ring: largest |rho - closed form| = " << worst);
}

TEST_CASE("logical: static exponential rho matches 1 - 2/(1 + tau) for even n") {
  double worst = 0;
  for (int n : {2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 30, 32, 48, 64, 100, 128}) {
    const Topology t = make_topology("exponential", n);
    const int tau = ceil_log2(n);
    const double expected = 1.0 - 2.0 / (1 + tau);
    CAPTURE(n);
    CHECK(std::abs(rho(t) - expected) <= 1e-9);
    worst = std::max(worst, std::abs(rho(t) - expected));
  }
  MESSAGE("static exponential: largest |rho - closed form| = " << worst);
}

TEST_CASE("logical: k x k torus rho matches (3 + 2 cos(2 pi / k)) / 5 for k >= 4") {
  double worst = 0;
  for (int k : {4, 5, 6, 7, 8, 10, 16}) {
    const Topology t = make_topology("torus", k * k);
    const double expected = (3 + 2 * std::cos(2 * kPi / k)) / 5;
    CAPTURE(k);
    CHECK(t.matrix(0)(0, 1) == doctest::Approx(0.2));  // the weights the closed form assumes
    CHECK(std::abs(rho(t) - expected) <= 1e-9);
    worst = std::max(worst, std::abs(rho(t) - expected));
  }
  MESSAGE("torus: largest |rho - closed form| = " << worst);
}

TEST_CASE("logical: rho of the complete graph is 0 and of a disconnected graph is 1") {
  CHECK(std::abs(rho(make_topology("complete", 7))) <= 1e-12);
  Params p;
  p.p = 0.0;  // no links: W = I
  CHECK(std::abs(rho(make_topology("erdos_renyi", 6, p)) - 1.0) <= 1e-12);
}
