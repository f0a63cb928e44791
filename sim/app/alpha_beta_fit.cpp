#include "sim/app/alpha_beta_fit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dtsim {

CostShape collective_cost_shape(const std::string& collective, int n) {
  if (n < 2) throw std::invalid_argument("a collective needs at least 2 ranks, the log has " + std::to_string(n));
  if (collective == "all_reduce") return {2.0 * (n - 1), 2.0 * (n - 1) / n};
  if (collective == "all_gather") return {static_cast<double>(n - 1), static_cast<double>(n - 1) / n};
  if (collective == "sendrecv") return {1.0, 1.0};
  throw std::invalid_argument("no cost model for collective \"" + collective +
                              "\"; allowed: all_reduce, all_gather, sendrecv");
}

AlphaBetaFit fit_alpha_beta(const CostShape& shape, const std::vector<FitPoint>& points) {
  if (points.size() < 2) throw std::invalid_argument("a fit needs at least 2 measurements");
  // Rows (a_i, b_i) . (alpha, 1/beta) = 1, with a_i = A / t_i, b_i = B S_i / t_i: the relative residuals.
  double aa = 0, ab = 0, bb = 0, a1 = 0, b1 = 0;
  for (const FitPoint& p : points) {
    const double a = shape.alpha_coefficient / p.seconds, b = shape.bytes_coefficient * p.bytes / p.seconds;
    aa += a * a;
    ab += a * b;
    bb += b * b;
    a1 += a;
    b1 += b;
  }
  AlphaBetaFit fit;
  const double det = aa * bb - ab * ab;
  double alpha = det > 0 ? (a1 * bb - b1 * ab) / det : -1;
  double inverse_beta = det > 0 ? (aa * b1 - ab * a1) / det : 0;
  if (!(alpha >= 0)) {  // alpha = 0: one unknown
    fit.alpha_clamped = det > 0;
    alpha = 0;
    inverse_beta = bb > 0 ? b1 / bb : 0;
  }
  if (!(inverse_beta > 0))
    throw std::invalid_argument("the times do not grow with the size: no positive bandwidth fits them");
  fit.alpha = alpha;
  fit.beta = 1 / inverse_beta;
  double sum_squares = 0;
  for (const FitPoint& p : points) {
    const double e = (fit.predict(shape, p.bytes) - p.seconds) / p.seconds;
    fit.max_relative_error = std::max(fit.max_relative_error, std::abs(e));
    sum_squares += e * e;
  }
  fit.rms_relative_error = std::sqrt(sum_squares / points.size());
  return fit;
}

}  // namespace dtsim
