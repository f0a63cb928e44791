#pragma once
// Synthetic distributed least squares with a known optimum: rank i minimises
// f_i(x) = 1/(2m) ||A_i x - b_i||^2 and the network minimises (1/n) sum_i f_i.
#include <cstdint>
#include <vector>

#include "kernels/dataset.h"

namespace dtsim::kernels {

struct LeastSquaresProblem {
  std::vector<Mat<double>> A;  // per rank, m x d
  std::vector<Vec<double>> b;  // per rank, m
  Vec<double> x_star;          // global optimum (exact by construction)
  std::vector<Vec<double>> local_optima;

  int ranks() const { return static_cast<int>(A.size()); }
  // argmin of (1/n) sum f_i from the normal equations: (sum A_i^T A_i) x = sum A_i^T b_i
  // (all ranks hold m rows). Applied to float-rounded data it gives the optimum training sees.
  static Vec<double> solve(const std::vector<Mat<double>>& A, const std::vector<Vec<double>>& b);
  // Rows of all ranks stacked in rank order (rank r owns samples [r*m, (r+1)*m)).
  Dataset to_dataset() const;
};

// Gaussian A_i (m >= d rows each) and x*. Heterogeneity h moves rank i's local optimum to
// x* + h u_i, with u_i Gaussian corrected by u_i -= H_i^{-1} mean_j H_j u_j (H_i = A_i^T A_i / m)
// so that sum_i grad f_i(x*) = 0: x* stays the global optimum whatever h is.
LeastSquaresProblem make_least_squares(int ranks, Index samples_per_rank, Index dim, double heterogeneity,
                                       std::uint64_t seed);

}  // namespace dtsim::kernels
