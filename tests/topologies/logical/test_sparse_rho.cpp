// The sparse (Lanczos, Spectra) rho against the dense one on small graphs, against closed forms on
// graphs the dense one cannot hold (4096 to 16,384 ranks), and its report when it does not converge.
#include <doctest/doctest.h>

#include "topologies/logical/bits.h"
#include "topologies/logical/properties.h"
#include "topologies/logical/registry.h"
#include "topologies/logical/sparse_rho.h"
#include "topologies/logical/topo_main.h"

#include <cmath>
#include <set>
#include <sstream>

using namespace dtsim::logical;

namespace {
const double kPi = std::acos(-1.0);

struct Case {
  std::string name;
  int n;
  int per_node = 0;
  double p = 0.5;
};

Topology make(const Case& c) {
  Params params;
  params.per_node = c.per_node;
  params.p = c.p;
  params.seed = 3;
  return make_topology(c.name, c.n, params);
}

// A ring with no self-weight, W = (S + S^T)/2 on odd n: eigenvalues cos(2 pi j / n), so rho =
// cos(pi / n) sits at the bottom of the spectrum, and Gershgorin's bound (-1) cannot rule it out.
SparseW lazy_free_ring(int n) {
  std::vector<Eigen::Triplet<double>> entries;
  for (int i = 0; i < n; ++i) {
    entries.emplace_back(i, (i + 1) % n, 0.5);
    entries.emplace_back(i, (i + n - 1) % n, 0.5);
  }
  SparseW W(n, n);
  W.setFromTriplets(entries.begin(), entries.end());
  return W;
}
}  // namespace

TEST_CASE("logical: sparse rho equals the dense rho on graphs up to 512 ranks") {
  const std::vector<Case> cases = {
      {"ring", 64},          {"ring", 200},        {"ring", 512},         {"torus", 256},
      {"torus", 400},        {"grid", 300},        {"exponential", 100},  {"exponential", 256},
      {"exponential", 500},  {"one_peer_exponential", 100},               {"one_peer_exponential", 256},
      {"one_peer_exponential", 384},               {"erdos_renyi", 200, 0, 0.05},
      {"star", 300},         {"hypercube", 256},   {"complete", 100},     {"hierarchical", 256, 8},
      {"inner_outer_ring", 128, 8},                {"inner_outer_exponential", 128, 4}};
  std::set<std::string> methods;
  double worst = 0;
  for (const Case& c : cases) {
    const Topology t = make(c);
    const SparseRho s = sparse_rho(t);
    const double dense = rho(t);
    const std::string label = c.name + " n=" + std::to_string(c.n) + " (" + s.method + ")";
    const std::string why = s.why;
    CAPTURE(label);
    CAPTURE(why);
    REQUIRE(s.converged);
    CHECK(std::abs(s.value - dense) <= 1e-9);
    worst = std::max(worst, std::abs(s.value - dense));
    methods.insert(s.method.substr(0, s.method.rfind(" (")));
    if (t.time_varying()) {
      const SparseRho m = sparse_max_round_rho(t);
      REQUIRE(m.converged);
      CHECK(std::abs(m.value - max_round_rho(t)) <= 1e-9);
      worst = std::max(worst, std::abs(m.value - max_round_rho(t)));
      methods.insert(m.method.substr(0, m.method.rfind(" (")));
    }
  }
  MESSAGE("sparse vs dense rho, " << cases.size() << " graphs: largest difference " << worst);
  // Every path was taken: plain Lanczos (symmetric and not), shift-invert, the exact rho = 1.
  const std::string used = [&methods] {
    std::string u;
    for (const auto& m : methods) u += m + " | ";
    return u;
  }();
  CAPTURE(used);
  CHECK(methods.count("Lanczos on W - 11^T/n") == 1);
  CHECK(methods.count("Lanczos on [[0, A], [A^T, 0]], A = W - 11^T/n") == 1);
  CHECK(methods.count("Lanczos on [[0, A], [A^T, 0]], A = the period product - 11^T/n") == 1);
  CHECK(methods.count("shift-invert Lanczos on (I - W)^+") == 1);
  CHECK(methods.count("round 1: the links of W^T W do not connect all ranks: rho = 1 exactly") == 1);
}

TEST_CASE("logical: sparse rho of the ring matches 1/3 + (2/3) cos(2 pi / n) at 4096 and 16,384 ranks") {
  for (int n : {4096, 16384}) {
    const SparseRho s = sparse_rho(make_topology("ring", n));
    const double expected = 1.0 / 3 + 2.0 / 3 * std::cos(2 * kPi / n);
    const std::string method = s.method;
    CAPTURE(n);
    CAPTURE(method);
    REQUIRE(s.converged);
    CHECK(std::abs(s.value - expected) <= 1e-9);
    MESSAGE("ring n=" << n << ": |rho - closed form| = " << std::abs(s.value - expected) << " by " << method
                      << ", " << s.operations << " operator applications");
  }
}

TEST_CASE("logical: one-peer exponential on 2^k ranks: the period product has rho 0, round 0 has cos(pi/n)") {
  for (int n : {4096, 16384}) {
    const Topology t = make_topology("one_peer_exponential", n);
    const SparseRho product = sparse_rho(t);
    CAPTURE(n);
    REQUIRE(product.converged);
    CHECK(std::abs(product.value) <= 1e-9);
    MESSAGE("one-peer exponential n=" << n << ": rho of the " << t.period() << "-round product = " << product.value);
    // W(0) = (I + S)/2 with S the cyclic shift: singular values |cos(pi j / n)|; round 1 (shift by 2)
    // splits the ranks into two cycles, so the largest round has rho = 1.
    const SparseRho round0 = sparse_rho(sparse_mixing_matrix(t.graph(0)));
    const std::string method = round0.method;
    CAPTURE(method);
    REQUIRE(round0.converged);
    CHECK(method.find("shift-invert Lanczos on (I - W^T W)^+") == 0);  // the gap is ~ 1/n^2
    CHECK(std::abs(round0.value - std::cos(kPi / n)) <= 1e-9);
    const SparseRho worst = sparse_max_round_rho(t);
    REQUIRE(worst.converged);
    CHECK(worst.value == 1.0);
  }
}

TEST_CASE("logical: sparse rho of the static exponential graph and the torus at 4096 and 16,384 ranks") {
  const SparseRho e = sparse_rho(make_topology("exponential", 4096));
  REQUIRE(e.converged);
  CHECK(std::abs(e.value - (1.0 - 2.0 / (1 + 12))) <= 1e-9);  // 1 - 2/(1 + tau), tau = log2 n
  const SparseRho t = sparse_rho(make_topology("torus", 128 * 128));
  REQUIRE(t.converged);
  CHECK(std::abs(t.value - (3 + 2 * std::cos(2 * kPi / 128)) / 5) <= 1e-9);
}

TEST_CASE("logical: sparse rho finds the bottom of the spectrum when it is the largest in magnitude") {
  for (int n : {511, 4095}) {
    const SparseW W = lazy_free_ring(n);
    const SparseRho s = sparse_rho(W);
    const std::string method = s.method;
    CAPTURE(n);
    CAPTURE(method);
    REQUIRE(s.converged);
    CHECK(std::abs(s.value - std::cos(kPi / n)) <= 1e-9);
    CHECK(method.find("(I + W)^-1") != std::string::npos);
    if (n <= 512) CHECK(std::abs(s.value - rho(Eigen::MatrixXd(W))) <= 1e-9);
  }
}

TEST_CASE("logical: sparse rho says it did not converge instead of giving a number") {
  // No restarts (one Krylov basis of 40 vectors), on graphs that need more: every failure is reported.
  LanczosCaps tiny;
  tiny.restarts = 0;
  tiny.product_restarts = 0;
  tiny.shift_invert_restarts = 0;
  const Topology ring = make_topology("ring", 1024);
  const Topology twice("ring_twice", {ring.graph(0), ring.graph(0)}, Weighting::Uniform);
  const SparseRho product = sparse_rho(twice, tiny);
  CHECK_FALSE(product.converged);
  CHECK(product.why.find("Lanczos on [[0, A], [A^T, 0]], A = the period product - 11^T/n (Spectra, tol 1e-10): "
                         "Spectra did not converge in 1 iterations (") == 0);
  // Symmetric: plain Lanczos fails, then shift-invert fails too.
  const SparseRho sym = sparse_rho(ring, tiny);
  CHECK_FALSE(sym.converged);
  CHECK(sym.why.find("Lanczos on W - 11^T/n: Spectra did not converge in") == 0);
  CHECK(sym.why.find("; then shift-invert Lanczos on (I - W)^+") != std::string::npos);
  // On an odd n every one-peer round is connected (no exact rho = 1), so round 0 is solved first.
  const SparseRho rounds = sparse_max_round_rho(make_topology("one_peer_exponential", 999), tiny);
  CHECK_FALSE(rounds.converged);
  CHECK(rounds.why.find("round 0: ") == 0);
  // With the default caps all three converge, to the dense values.
  CHECK(std::abs(sparse_rho(twice).value - rho(twice)) <= 1e-9);
  CHECK(std::abs(sparse_rho(ring).value - rho(ring)) <= 1e-9);
}

TEST_CASE("logical: sparse rho is the same, bit for bit, run after run") {
  for (const char* name : {"ring", "exponential", "one_peer_exponential"}) {
    const Topology t = make_topology(name, 4096);
    CHECK(sparse_rho(t).value == sparse_rho(t).value);
  }
}

TEST_CASE("logical: topo prints rho and its method above the dense limit") {
  std::ostringstream out, err;
  REQUIRE(topo_main({"ring", "--nodes", "4096"}, out, err) == 0);
  const std::string text = out.str();
  CHECK(text.find("rho = ||W - 11^T/n||        0.99999921563") != std::string::npos);
  CHECK(text.find("rho computed by             shift-invert Lanczos on (I - W)^+ (sparse LDL^T; Spectra, tol 1e-10)") !=
        std::string::npos);
  CHECK(text.find("symmetric                   yes\n") != std::string::npos);
  std::ostringstream out2, err2;
  REQUIRE(topo_main({"one_peer_exponential", "--nodes", "4096"}, out2, err2) == 0);
  const std::string text2 = out2.str();
  CHECK(text2.find("  largest single round      1\n") != std::string::npos);
  CHECK(text2.find("skipped") == std::string::npos);
}
