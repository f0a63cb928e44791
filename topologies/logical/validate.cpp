#include "topologies/logical/validate.h"

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
    for (Eigen::Index j = 0; j < n; ++j) {
      if (!std::isfinite(W(i, j)))
        return "W(" + std::to_string(i) + "," + std::to_string(j) + ") = " + num(W(i, j)) +
               " is not finite";
      if (W(i, j) < -tol)
        return "W(" + std::to_string(i) + "," + std::to_string(j) + ") = " + num(W(i, j)) +
               " is negative (mixing weights must be >= 0)";
    }
  for (Eigen::Index i = 0; i < n; ++i) {
    const double s = W.row(i).sum();
    if (std::abs(s - 1.0) > tol)
      return "row " + std::to_string(i) + " sums to " + num(s) +
             ", not 1 (W is not row stochastic: rank " + std::to_string(i) +
             "'s weights do not add up to 1)";
  }
  for (Eigen::Index j = 0; j < n; ++j) {
    const double s = W.col(j).sum();
    if (std::abs(s - 1.0) > tol)
      return "column " + std::to_string(j) + " sums to " + num(s) +
             ", not 1 (W is not doubly stochastic: rank " + std::to_string(j) +
             "'s value is not conserved, so the average drifts)";
  }
  if (require_symmetric)
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = i + 1; j < n; ++j)
        if (std::abs(W(i, j) - W(j, i)) > tol)
          return "W(" + std::to_string(i) + "," + std::to_string(j) + ") = " + num(W(i, j)) +
                 " but W(" + std::to_string(j) + "," + std::to_string(i) + ") = " + num(W(j, i)) +
                 " (W must be symmetric here)";
  return "";
}

std::string check_doubly_stochastic(const Topology& t, bool require_symmetric, double tol) {
  for (int k = 0; k < t.period(); ++k) {
    std::string msg = check_doubly_stochastic(t.matrix(k), require_symmetric, tol);
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
