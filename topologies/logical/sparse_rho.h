#pragma once
// rho = ||P - 11^T/n||_2 of large graphs without an n x n matrix: Lanczos (Spectra, "Sparse
// Eigenvalue Computation Toolkit as a Redesigned ARPACK", Y. Qiu) on W's sparse form or on the
// rounds of a period applied one after the other. The dense twins are in properties.h.
#include "topologies/logical/topology.h"
#include "topologies/logical/validate.h"

#include <string>

namespace dtsim::logical {

// Spectra's convergence test: a Ritz value theta is accepted when its residual is below
// kSparseRhoTol * max(|theta|, eps^(2/3)). The operators are shifted (below) so that |theta| >= 1
// and the tolerance is absolute: rho is within about 1e-10 of the true value.
constexpr double kSparseRhoTol = 1e-10;
// Krylov basis size and restart cap of the plain Lanczos pass: at most about 20 x 38 operator
// applications. Fast-mixing graphs (exponential, Erdos-Renyi, hypercube, one-peer products: 40 to
// 300) converge within it; slow ones (ring, large torus: relative gap ~ 1/n^2 or 1/n) go to
// shift-invert, where Lanczos would need thousands of iterations.
constexpr int kLanczosBasis = 40;
constexpr int kLanczosRestarts = 20;
// A period product has no shift-invert fallback (its inverse is not at hand): more restarts.
constexpr int kProductRestarts = 200;
// Shift-invert pass: few iterations are needed (the top eigenvalue is well separated).
constexpr int kShiftInvertRestarts = 200;

// The restart caps above, as one value (tests lower them to see a failure reported). 0: one
// Krylov basis, no restart; Spectra counts iterations as restarts + 1.
struct LanczosCaps {
  int restarts = kLanczosRestarts;
  int product_restarts = kProductRestarts;
  int shift_invert_restarts = kShiftInvertRestarts;
};

struct SparseRho {
  bool converged = false;
  double value = 0;         // rho, when converged
  std::string method;       // how it was obtained, e.g. "Lanczos on W - 11^T/n (Spectra, tol 1e-10)"
  long long operations = 0; // operator applications (products or sparse solves), all passes
  std::string why;          // when not converged: what failed
};

// W - 11^T/n's largest singular value for a static W given sparse (doubly stochastic).
//  - Symmetric W: the largest |eigenvalue| of W on the complement of the all-ones vector, by
//    Lanczos on W - 11^T/n + 2I (both ends of the spectrum). When that does not converge within
//    the cap (small spectral gap), the top eigenvalue lambda_2 comes from shift-invert Lanczos on
//    (I - W)^+ (a sparse LDL^T of the Laplacian I - W with one rank grounded) and the bottom one
//    from Gershgorin's bound or from (I + W)^-1.
//  - Non-symmetric W: Lanczos on the symmetric 2n x 2n operator [[0, A], [A^T, 0]] + I, A =
//    W - 11^T/n, whose eigenvalues are 1 +- sigma_i: sigma_max keeps an absolute accuracy of about
//    the tolerance even near 0, where sqrt(lambda_max(A^T A)) would lose half the digits (on the
//    one-peer product on 4096 ranks, A = 0 up to rounding, Spectra on A^T A threw "TridiagEigen:
//    eigen decomposition failed"). If that does not converge, shift-invert on W^T W (sparse).
//  - rho = 1 exactly, without iterating, when W's links (W^T W's, if W is not symmetric) leave
//    ranks apart.
// Graphs of at most 32 ranks are done densely (exact; Spectra needs a basis smaller than n).
// The same W gives the same digits every run (Spectra's start vector has a fixed seed).
SparseRho sparse_rho(const SparseW& W, const LanczosCaps& caps = {});
// rho of the product of one period, W(period-1) ... W(0), applied round by round (never formed);
// for a static topology sparse_rho of its W.
SparseRho sparse_rho(const Topology& t, const LanczosCaps& caps = {});
// Largest rho of any single round: 1 at once if a round has rho = 1 exactly (see above), else the
// rounds one by one (the first that does not converge stops it).
SparseRho sparse_max_round_rho(const Topology& t, const LanczosCaps& caps = {});

// W = W^T within tol, on the stored entries.
bool is_symmetric(const SparseW& W, double tol = 1e-12);

}  // namespace dtsim::logical
