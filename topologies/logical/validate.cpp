#include "topologies/logical/validate.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace dtsim::logical {

namespace {
std::string num(double x) {
  std::ostringstream s;
  s.precision(12);
  s << x;
  return s.str();
}
// The messages, shared by the dense and the sparse check so that both say the same thing.
std::string entry(Eigen::Index i, Eigen::Index j, double w) {
  return "W(" + std::to_string(i) + "," + std::to_string(j) + ") = " + num(w);
}
std::string bad_entry(Eigen::Index i, Eigen::Index j, double w, double tol) {
  if (!std::isfinite(w)) return entry(i, j, w) + " is not finite";
  if (w < -tol) return entry(i, j, w) + " is negative (mixing weights must be >= 0)";
  return "";
}
std::string bad_row(Eigen::Index i, double sum, double tol) {
  if (std::abs(sum - 1.0) <= tol) return "";
  return "row " + std::to_string(i) + " sums to " + num(sum) + ", not 1 (W is not row stochastic: rank " +
         std::to_string(i) + "'s weights do not add up to 1)";
}
std::string bad_column(Eigen::Index j, double sum, double tol) {
  if (std::abs(sum - 1.0) <= tol) return "";
  return "column " + std::to_string(j) + " sums to " + num(sum) + ", not 1 (W is not doubly stochastic: rank " +
         std::to_string(j) + "'s value is not conserved, so the average drifts)";
}
std::string asymmetric(Eigen::Index i, Eigen::Index j, double wij, double wji) {
  return entry(i, j, wij) + " but " + entry(j, i, wji) + " (W must be symmetric here)";
}
}  // namespace

bool is_symmetric(const Eigen::MatrixXd& W, double tol) {
  return W.rows() == W.cols() && (W - W.transpose()).cwiseAbs().maxCoeff() <= tol;
}

std::string check_doubly_stochastic(const Eigen::MatrixXd& W, bool require_symmetric, double tol) {
  if (W.rows() != W.cols())
    return "W is " + std::to_string(W.rows()) + " x " + std::to_string(W.cols()) + ", not square";
  const auto n = W.rows();
  if (n == 0) return "W is empty";
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (std::string m = bad_entry(i, j, W(i, j), tol); !m.empty()) return m;
  for (Eigen::Index i = 0; i < n; ++i)
    if (std::string m = bad_row(i, W.row(i).sum(), tol); !m.empty()) return m;
  for (Eigen::Index j = 0; j < n; ++j)
    if (std::string m = bad_column(j, W.col(j).sum(), tol); !m.empty()) return m;
  if (require_symmetric)
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = i + 1; j < n; ++j)
        if (std::abs(W(i, j) - W(j, i)) > tol) return asymmetric(i, j, W(i, j), W(j, i));
  return "";
}

SparseW sparse_mixing_matrix(const Graph& g) {
  const int n = num_ranks(g);
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(boost::num_edges(g));
  for (auto [it, end] = boost::edges(g); it != end; ++it)
    entries.emplace_back(static_cast<int>(boost::target(*it, g)), static_cast<int>(boost::source(*it, g)),
                         boost::get(boost::edge_weight, g, *it));
  SparseW W(n, n);
  W.setFromTriplets(entries.begin(), entries.end());  // sums duplicates, as mixing_matrix does
  return W;
}

std::string check_doubly_stochastic(const SparseW& W, bool require_symmetric, double tol) {
  if (W.rows() != W.cols())
    return "W is " + std::to_string(W.rows()) + " x " + std::to_string(W.cols()) + ", not square";
  const auto n = W.rows();
  if (n == 0) return "W is empty";
  // Row-major storage with sorted columns: the first bad entry is the dense check's first (zeros,
  // which are not stored, are finite and nonnegative).
  for (Eigen::Index i = 0; i < n; ++i)
    for (SparseW::InnerIterator it(W, i); it; ++it)
      if (std::string m = bad_entry(i, it.col(), it.value(), tol); !m.empty()) return m;
  std::vector<double> column_sums(static_cast<std::size_t>(n), 0.0);
  for (Eigen::Index i = 0; i < n; ++i) {
    double sum = 0;
    for (SparseW::InnerIterator it(W, i); it; ++it) {
      sum += it.value();
      column_sums[static_cast<std::size_t>(it.col())] += it.value();
    }
    if (std::string m = bad_row(i, sum, tol); !m.empty()) return m;
  }
  for (Eigen::Index j = 0; j < n; ++j)
    if (std::string m = bad_column(j, column_sums[static_cast<std::size_t>(j)], tol); !m.empty()) return m;
  if (require_symmetric) {
    // The first asymmetric pair (i < j) in row-major order; either of its entries may be unstored.
    Eigen::Index first_i = n, first_j = n;
    for (Eigen::Index r = 0; r < n; ++r)
      for (SparseW::InnerIterator it(W, r); it; ++it) {
        const Eigen::Index c = it.col(), i = std::min(r, c), j = std::max(r, c);
        if (r == c || std::abs(W.coeff(i, j) - W.coeff(j, i)) <= tol) continue;
        if (i < first_i || (i == first_i && j < first_j)) first_i = i, first_j = j;
      }
    if (first_i < n) return asymmetric(first_i, first_j, W.coeff(first_i, first_j), W.coeff(first_j, first_i));
  }
  return "";
}

std::string check_doubly_stochastic(const Topology& t, bool require_symmetric, double tol) {
  for (int k = 0; k < t.period(); ++k) {
    std::string msg = check_doubly_stochastic(sparse_mixing_matrix(t.graph(k)), require_symmetric, tol);
    if (!msg.empty()) return t.time_varying() ? "round " + std::to_string(k) + ": " + msg : msg;
  }
  return "";
}

Topology from_matrix(std::string name, const Eigen::MatrixXd& W, bool require_symmetric) {
  const std::string msg = check_doubly_stochastic(W, require_symmetric);
  if (!msg.empty()) throw std::invalid_argument(name + ": " + msg);
  std::vector<Graph> rounds{graph_from_matrix(W)};
  return Topology(std::move(name), std::move(rounds), Weighting::Given);
}

}  // namespace dtsim::logical
