#include "kernels/least_squares.h"

#include <Eigen/Cholesky>
#include <stdexcept>

#include "kernels/eigen_blocking.h"
#include "kernels/rng.h"

namespace dtsim::kernels {

Vec<double> LeastSquaresProblem::solve(const std::vector<Mat<double>>& A, const std::vector<Vec<double>>& b) {
  pin_eigen_blocking();
  const Index d = A.at(0).cols();
  Mat<double> H = Mat<double>::Zero(d, d);
  Vec<double> g = Vec<double>::Zero(d);
  for (std::size_t i = 0; i < A.size(); ++i) {
    H.noalias() += A[i].transpose() * A[i];
    g.noalias() += A[i].transpose() * b[i];
  }
  return H.ldlt().solve(g);
}

Dataset LeastSquaresProblem::to_dataset() const {
  const Index m = A.at(0).rows(), d = A.at(0).cols();
  Dataset data;
  data.features.resize(d, m * ranks());
  data.targets.resize(m * ranks());
  for (int r = 0; r < ranks(); ++r) {
    data.features.middleCols(r * m, m) = A[r].transpose().cast<float>();
    data.targets.segment(r * m, m) = b[r].cast<float>();
  }
  return data;
}

LeastSquaresProblem make_least_squares(int ranks, Index m, Index d, double heterogeneity, std::uint64_t seed) {
  if (ranks < 1 || d < 1) throw std::invalid_argument("least squares needs ranks >= 1 and dim >= 1");
  if (m < d)
    throw std::invalid_argument("least squares needs samples_per_rank >= dim so that every local problem "
                                "has a unique optimum");
  Rng rng(mix_seed(seed, 0x15a));
  auto gaussian = [&](Index rows, Index cols) {
    Mat<double> M(rows, cols);
    for (Index j = 0; j < cols; ++j)
      for (Index i = 0; i < rows; ++i) M(i, j) = rng.normal();
    return M;
  };
  LeastSquaresProblem p;
  p.x_star = gaussian(d, 1);
  std::vector<Mat<double>> H;
  std::vector<Vec<double>> u;
  Vec<double> mean_Hu = Vec<double>::Zero(d);
  for (int i = 0; i < ranks; ++i) {
    p.A.push_back(gaussian(m, d));
    H.push_back(p.A.back().transpose() * p.A.back() / double(m));
    u.push_back(gaussian(d, 1));
    mean_Hu += H.back() * u.back() / double(ranks);
  }
  for (int i = 0; i < ranks; ++i) {
    const Vec<double> ui = u[i] - H[i].ldlt().solve(mean_Hu);
    p.local_optima.push_back(p.x_star + heterogeneity * ui);
    p.b.push_back(p.A[i] * p.local_optima.back());
  }
  return p;
}

}  // namespace dtsim::kernels
