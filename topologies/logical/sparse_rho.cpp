#include "topologies/logical/sparse_rho.h"

#include "topologies/logical/properties.h"

#include <Eigen/SparseCholesky>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <new>
#include <numeric>
#include <sstream>
#include <vector>

namespace dtsim::logical {

namespace {

using Vec = Eigen::VectorXd;
using ColSparse = Eigen::SparseMatrix<double>;  // what SimplicialLDLT factors
constexpr int kDenseRanks = 32;
// W^T W is formed only for at most this many stored entries per row of W (its cost: n degree^2).
constexpr Eigen::Index kMaxDegreeForProduct = 32;

std::string tol_text() {
  std::ostringstream s;
  s << "tol " << kSparseRhoTol;  // "tol 1e-10"
  return s.str();
}

// x - mean(x) 1: the projection onto the complement of the all-ones vector.
void remove_mean(Eigen::Ref<Vec> x) { x.array() -= x.mean(); }

// Symmetric W: y = (W - 11^T/n + shift I) x. Its eigenvalues are W's plus shift, with W's
// eigenvalue 1 (all-ones) moved to shift.
class ShiftedSymmetricOp {
 public:
  using Scalar = double;
  ShiftedSymmetricOp(const SparseW& W, double shift) : W_(W), shift_(shift) {}
  Eigen::Index rows() const { return W_.rows(); }
  Eigen::Index cols() const { return W_.rows(); }
  void perform_op(const double* in, double* out) const {
    const Eigen::Map<const Vec> x(in, W_.rows());
    Eigen::Map<Vec> y(out, W_.rows());
    const double mean = x.mean();
    y.noalias() = W_ * x;
    y.array() += shift_ * x.array() - mean;
  }

 private:
  const SparseW& W_;
  double shift_;
};

// A = P - 11^T/n with P = W(k-1) ... W(0) applied round by round, and A^T.
class PeriodProduct {
 public:
  explicit PeriodProduct(std::vector<SparseW> rounds) : rounds_(std::move(rounds)) {
    for (const SparseW& W : rounds_) transposed_.emplace_back(W.transpose());
  }
  Eigen::Index n() const { return rounds_.front().rows(); }
  void apply(const Vec& x, Eigen::Ref<Vec> y, Vec& tmp) const { run(rounds_, false, x, y, tmp); }
  void apply_transposed(const Vec& x, Eigen::Ref<Vec> y, Vec& tmp) const { run(transposed_, true, x, y, tmp); }

 private:
  // P x = W(k-1)(...(W(0) x)); P^T x = W(0)^T(...(W(k-1)^T x)). The mean of x is removed first:
  // a doubly stochastic P maps the complement of 1 into itself, and J x = mean(x) 1.
  static void run(const std::vector<SparseW>& ms, bool reverse, const Vec& x, Eigen::Ref<Vec> y, Vec& tmp) {
    tmp = x;
    remove_mean(tmp);
    const std::size_t k = ms.size();
    for (std::size_t i = 0; i < k; ++i) {
      const SparseW& W = ms[reverse ? k - 1 - i : i];
      Vec next = W * tmp;
      tmp.swap(next);
    }
    remove_mean(tmp);  // rounding only: exact arithmetic keeps the mean at 0
    y = tmp;
  }
  std::vector<SparseW> rounds_, transposed_;
};

// [[0, A], [A^T, 0]] + I on z = [u; v]: eigenvalues 1 +- sigma_i(A) (and 1).
class AugmentedOp {
 public:
  using Scalar = double;
  explicit AugmentedOp(const PeriodProduct& A) : A_(A) {}
  Eigen::Index rows() const { return 2 * A_.n(); }
  Eigen::Index cols() const { return 2 * A_.n(); }
  void perform_op(const double* in, double* out) const {
    const Eigen::Index n = A_.n();
    const Eigen::Map<const Vec> z(in, 2 * n);
    Eigen::Map<Vec> y(out, 2 * n);
    u_ = z.head(n);
    v_ = z.tail(n);
    A_.apply(v_, y.head(n), tmp_);
    A_.apply_transposed(u_, y.tail(n), tmp_);
    y += z;
  }

 private:
  const PeriodProduct& A_;
  mutable Vec u_, v_, tmp_;
};

// G^-1 on the complement of 1, for a symmetric G that maps 1 to a multiple of itself: the
// Laplacian I - S (singular on 1: solved with rank n-1 grounded, the pseudo-inverse) or I + W
// (regular). Sparse LDL^T with Eigen's approximate minimum degree ordering.
class InverseOnComplementOp {
 public:
  using Scalar = double;
  InverseOnComplementOp(const ColSparse& G, bool grounded) : n_(G.rows()), grounded_(grounded) {
    const Eigen::Index m = grounded ? n_ - 1 : n_;
    const ColSparse Gm = G.topLeftCorner(m, m);
    ldlt_.compute(Gm);
  }
  bool ok() const {
    return ldlt_.info() == Eigen::Success && (ldlt_.vectorD().array() > 0).all();
  }
  Eigen::Index rows() const { return n_; }
  Eigen::Index cols() const { return n_; }
  void perform_op(const double* in, double* out) const {
    const Eigen::Map<const Vec> x(in, n_);
    Eigen::Map<Vec> y(out, n_);
    b_ = x;
    remove_mean(b_);
    if (grounded_) {
      // L y = b with y(n-1) = 0: the grounded rows give the first n-1 equations, and the last
      // holds because L's columns and b both sum to 0. y - mean(y) is then L^+ b.
      y.head(n_ - 1) = ldlt_.solve(b_.head(n_ - 1));
      y(n_ - 1) = 0;
    } else {
      y = ldlt_.solve(b_);
    }
    remove_mean(y);
  }

 private:
  Eigen::Index n_;
  bool grounded_;
  Eigen::SimplicialLDLT<ColSparse> ldlt_;
  mutable Vec b_;
};

// The extreme eigenvalues (largest, then smallest for BothEnds) of op by Spectra; empty when it
// did not converge (why says so).
template <class Op>
std::vector<double> extreme_eigenvalues(Op& op, Spectra::SortRule rule, int restarts, long long& operations,
                                        std::string& why) {
  const int nev = rule == Spectra::SortRule::BothEnds ? 2 : 1;
  const Eigen::Index ncv = std::min<Eigen::Index>(kLanczosBasis, op.rows());
  try {
    Spectra::SymEigsSolver<Op> eigs(op, nev, ncv);
    eigs.init();  // Spectra's fixed-seed start vector: the same digits every run
    const Eigen::Index found = eigs.compute(rule, restarts, kSparseRhoTol, Spectra::SortRule::LargestAlge);
    operations += eigs.num_operations();
    if (eigs.info() != Spectra::CompInfo::Successful || found < nev) {
      why = "Spectra did not converge in " + std::to_string(eigs.num_iterations()) + " iterations (" +
            std::to_string(eigs.num_operations()) + " operator applications)";
      return {};
    }
    const Vec ev = eigs.eigenvalues();
    std::vector<double> out(ev.data(), ev.data() + ev.size());
    for (double e : out)
      if (!std::isfinite(e)) {
        why = "Spectra returned a non-finite eigenvalue";
        return {};
      }
    std::sort(out.rbegin(), out.rend());
    return out;
  } catch (const std::bad_alloc&) {
    why = "out of memory";
  } catch (const std::exception& e) {
    why = std::string("Spectra: ") + e.what();
  }
  return {};
}

SparseRho dense_rho(const Eigen::MatrixXd& P) {
  SparseRho r;
  r.converged = true;
  r.value = rho(P);
  r.method = "dense eigensolver / SVD (Eigen; at most " + std::to_string(kDenseRanks) + " ranks)";
  return r;
}

// Whether the links of a symmetric S (its nonzero off-diagonal entries) connect all ranks.
bool links_connect_all(const SparseW& S) {
  const Eigen::Index n = S.rows();
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  std::vector<Eigen::Index> stack{0};
  seen[0] = 1;
  Eigen::Index reached = 1;
  while (!stack.empty()) {
    const Eigen::Index i = stack.back();
    stack.pop_back();
    for (SparseW::InnerIterator it(S, i); it; ++it)
      if (it.value() != 0 && !seen[static_cast<std::size_t>(it.col())]) {
        seen[static_cast<std::size_t>(it.col())] = 1;
        ++reached;
        stack.push_back(it.col());
      }
  }
  return reached == n;
}

// Whether W^T W links all ranks without forming it: ranks i and j are linked when some row of W
// holds both (union-find over W's rows, O(entries)).
bool gram_connected(const SparseW& W) {
  std::vector<Eigen::Index> parent(static_cast<std::size_t>(W.cols()));
  std::iota(parent.begin(), parent.end(), Eigen::Index{0});
  const auto root = [&parent](Eigen::Index j) {
    while (parent[j] != j) j = parent[j] = parent[parent[j]];  // path halving
    return j;
  };
  Eigen::Index sets = W.cols();
  for (Eigen::Index i = 0; i < W.rows(); ++i) {
    Eigen::Index first = -1;
    for (SparseW::InnerIterator it(W, i); it; ++it) {
      if (it.value() == 0) continue;
      if (first < 0) {
        first = root(it.col());
      } else if (const Eigen::Index other = root(it.col()); other != first) {
        parent[other] = first;
        --sets;
      }
    }
  }
  return sets == 1;
}

// Why rho = 1 exactly, known from the links alone, or "": a symmetric W whose links leave ranks
// apart has eigenvalue 1 once per component; likewise W^T W (whose eigenvalues are the squared
// singular values) for any W. rho <= 1 for every doubly stochastic W, so 1 is also the largest.
std::string exactly_one(const SparseW& W, bool symmetric) {
  if (symmetric ? !links_connect_all(W) : !gram_connected(W))
    return std::string("the links of ") + (symmetric ? "W" : "W^T W") + " do not connect all ranks: rho = 1 exactly";
  return "";
}

SparseRho exact_one(const std::string& method) {
  SparseRho r;
  r.converged = true;
  r.value = 1;
  r.method = method;
  return r;
}

// lambda_2 of a symmetric doubly stochastic S (largest eigenvalue on the complement of 1) from
// the largest eigenvalue 1 / (1 - lambda_2) of (I - S)^+.
// S's links must connect all ranks (else I - S grounded is singular, and lambda_2 = 1). Sets
// r.method, or r.why on failure; name is S as printed ("W", "W^T W").
bool top_by_shift_invert(const SparseW& S, const std::string& name, const LanczosCaps& caps, double& lambda2,
                         SparseRho& r) {
  const Eigen::Index n = S.rows();
  r.method = "shift-invert Lanczos on (I - " + name + ")^+ (sparse LDL^T; Spectra, " + tol_text() + ")";
  ColSparse G(n, n);
  G.setIdentity();
  G -= ColSparse(S);
  InverseOnComplementOp op(G, /*grounded=*/true);
  if (!op.ok()) {
    r.why = "the sparse LDL^T of I - " + name + " failed";
    return false;
  }
  std::string why;
  const std::vector<double> ev =
      extreme_eigenvalues(op, Spectra::SortRule::LargestAlge, caps.shift_invert_restarts, r.operations, why);
  if (ev.empty() || !(ev[0] > 0)) {
    r.why = r.method + ": " + (why.empty() ? std::string("no positive eigenvalue") : why);
    return false;
  }
  lambda2 = 1 - 1 / ev[0];
  return true;
}

// Gershgorin: every eigenvalue of W is >= min_i (W_ii - sum_{j != i} |W_ij|).
double gershgorin_lower_bound(const SparseW& W) {
  double bound = 1;
  for (Eigen::Index i = 0; i < W.rows(); ++i) {
    double diag = 0, off = 0;
    for (SparseW::InnerIterator it(W, i); it; ++it) (it.col() == i ? diag : off) += std::abs(it.value());
    bound = std::min(bound, diag - off);
  }
  return bound;
}

// The smallest eigenvalue of W on the complement of 1, from the largest, 1 / (1 + lambda_min),
// of (I + W)^-1.
bool bottom_by_shift_invert(const SparseW& W, const LanczosCaps& caps, double& lambda_min, SparseRho& r) {
  ColSparse G(W.rows(), W.rows());
  G.setIdentity();
  G += ColSparse(W);
  InverseOnComplementOp op(G, /*grounded=*/false);
  if (!op.ok()) {
    r.why = "the sparse LDL^T of I + W failed (eigenvalue -1?)";
    return false;
  }
  std::string why;
  const std::vector<double> ev =
      extreme_eigenvalues(op, Spectra::SortRule::LargestAlge, caps.shift_invert_restarts, r.operations, why);
  if (ev.empty() || !(ev[0] > 0)) {
    r.why = "shift-invert Lanczos on (I + W)^-1: " + (why.empty() ? std::string("no positive eigenvalue") : why);
    return false;
  }
  lambda_min = 1 / ev[0] - 1;
  return true;
}

SparseRho symmetric_rho(const SparseW& W, const LanczosCaps& caps) {
  if (std::string why_one = exactly_one(W, true); !why_one.empty()) return exact_one(why_one);
  SparseRho r;
  // Shift 2: the operator's eigenvalues lie in [1, 3], so Spectra's relative test is absolute.
  ShiftedSymmetricOp op(W, 2.0);
  std::string why;
  const std::vector<double> ev =
      extreme_eigenvalues(op, Spectra::SortRule::BothEnds, caps.restarts, r.operations, why);
  if (!ev.empty()) {
    r.converged = true;
    r.value = std::max(std::abs(ev.front() - 2), std::abs(ev.back() - 2));
    r.method = "Lanczos on W - 11^T/n (Spectra, " + tol_text() + ")";
    return r;
  }
  // Small spectral gap: invert around 1, where the top eigenvalue is isolated.
  double lambda2 = 0;
  if (!top_by_shift_invert(W, "W", caps, lambda2, r)) {
    r.why = "Lanczos on W - 11^T/n: " + why + "; then " + r.why;
    return r;
  }
  double rho_value = std::abs(lambda2);
  if (-gershgorin_lower_bound(W) > rho_value) {  // the bottom of the spectrum may be larger
    double lambda_min = 0;
    if (!bottom_by_shift_invert(W, caps, lambda_min, r)) return r;
    rho_value = std::max(rho_value, std::abs(lambda_min));
    r.method += " and on (I + W)^-1";
  }
  r.converged = true;
  r.value = rho_value;
  return r;
}

SparseRho product_rho(std::vector<SparseW> rounds, bool single_round, const LanczosCaps& caps) {
  SparseRho r;
  // A single W has a fallback (shift-invert on W^T W); a period product has none, so more restarts.
  const int restarts = single_round ? caps.restarts : caps.product_restarts;
  const PeriodProduct A(std::move(rounds));
  AugmentedOp op(A);
  std::string why;
  const std::vector<double> ev =
      extreme_eigenvalues(op, Spectra::SortRule::LargestAlge, restarts, r.operations, why);
  r.method = std::string("Lanczos on [[0, A], [A^T, 0]], A = ") + (single_round ? "W" : "the period product") +
             " - 11^T/n (Spectra, " + tol_text() + ")";
  if (ev.empty()) {
    r.why = r.method + ": " + why;
    return r;
  }
  r.converged = true;
  r.value = std::max(0.0, ev[0] - 1);  // 1 + sigma_max; rounding may put it a hair below 1
  return r;
}

SparseRho nonsymmetric_rho(const SparseW& W, const LanczosCaps& caps) {
  if (std::string why_one = exactly_one(W, false); !why_one.empty()) return exact_one(why_one);
  SparseRho r = product_rho({W}, true, caps);
  if (r.converged || W.nonZeros() > kMaxDegreeForProduct * W.rows()) return r;
  // Small gap: sigma_max^2 = lambda_2(W^T W), W^T W symmetric doubly stochastic and sparse.
  const SparseW S = SparseW(W.transpose()) * W;
  double lambda2 = 0;
  SparseRho s;
  s.operations = r.operations;
  if (!top_by_shift_invert(S, "W^T W", caps, lambda2, s)) {
    s.why = r.why + "; then " + s.why;
    return s;
  }
  s.converged = true;
  s.value = std::sqrt(std::max(0.0, lambda2));
  return s;
}

}  // namespace

bool is_symmetric(const SparseW& W, double tol) {
  if (W.rows() != W.cols()) return false;
  const SparseW diff = W - SparseW(W.transpose());
  for (Eigen::Index i = 0; i < diff.outerSize(); ++i)
    for (SparseW::InnerIterator it(diff, i); it; ++it)
      if (std::abs(it.value()) > tol) return false;
  return true;
}

SparseRho sparse_rho(const SparseW& W, const LanczosCaps& caps) {
  if (W.rows() <= kDenseRanks) return dense_rho(Eigen::MatrixXd(W));
  // The dense rho's test for symmetry (1e-14), so that both take the same branch.
  return is_symmetric(W, 1e-14) ? symmetric_rho(W, caps) : nonsymmetric_rho(W, caps);
}

SparseRho sparse_rho(const Topology& t, const LanczosCaps& caps) {
  if (!t.time_varying()) return sparse_rho(sparse_mixing_matrix(t.graph(0)), caps);
  if (t.size() <= kDenseRanks) return dense_rho(period_product(t));
  std::vector<SparseW> rounds;
  for (int k = 0; k < t.period(); ++k) rounds.push_back(sparse_mixing_matrix(t.graph(k)));
  return product_rho(std::move(rounds), false, caps);
}

SparseRho sparse_max_round_rho(const Topology& t, const LanczosCaps& caps) {
  // A round with rho = 1 exactly settles it (no round exceeds 1): one-peer rounds k >= 1 on even n.
  for (int k = 0; k < t.period(); ++k) {
    const SparseW W = sparse_mixing_matrix(t.graph(k));
    if (std::string why_one = exactly_one(W, is_symmetric(W, 1e-14)); !why_one.empty())
      return exact_one("round " + std::to_string(k) + ": " + why_one);
  }
  SparseRho worst;
  worst.converged = true;
  long long operations = 0;
  for (int k = 0; k < t.period(); ++k) {
    SparseRho r = sparse_rho(sparse_mixing_matrix(t.graph(k)), caps);
    operations += r.operations;
    if (!r.converged) {
      r.why = "round " + std::to_string(k) + ": " + r.why;
      r.operations = operations;
      return r;
    }
    if (k == 0 || r.value > worst.value) worst = r;
  }
  worst.operations = operations;
  return worst;
}

}  // namespace dtsim::logical
