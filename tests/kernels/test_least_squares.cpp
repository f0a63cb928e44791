// Synthetic least squares: x* is the global optimum whatever the heterogeneity, and full-batch
// gradient descent on the linear model reaches it.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>

#include "kernels/data_loader.h"
#include "kernels/least_squares.h"
#include "kernels/model_factory.h"
#include "test_helpers.h"

using namespace dtsim::kernels;

TEST_CASE("kernels: least-squares x* is the global optimum and heterogeneity moves local optima") {
  const auto p = make_least_squares(4, 30, 10, 2.0, 11);
  CHECK((LeastSquaresProblem::solve(p.A, p.b) - p.x_star).norm() <= 1e-10 * p.x_star.norm());
  double spread = 0;
  for (const auto& x : p.local_optima) spread += (x - p.x_star).norm();
  CHECK(spread / 4 > 1.0);  // local optima really differ
  // Each local optimum solves its own problem (b_i is in the range of A_i).
  CHECK((LeastSquaresProblem::solve({p.A[1]}, {p.b[1]}) - p.local_optima[1]).norm() <= 1e-10);

  const auto homogeneous = make_least_squares(4, 30, 10, 0.0, 11);
  for (const auto& x : homogeneous.local_optima) CHECK((x - homogeneous.x_star).norm() <= 1e-12);
}

TEST_CASE("kernels: full-batch gradient descent on least squares converges to x*") {
  const int ranks = 4;
  const Index m = 30, d = 10;
  const auto problem = make_least_squares(ranks, m, d, 1.0, 5);
  // The double-precision problem as one batch: the loss is 1/(2 n m) ||A x - b||^2 = (1/n) sum f_i.
  Batch<double> batch;
  batch.x.resize(d, ranks * m);
  batch.y.resize(ranks * m);
  for (int r = 0; r < ranks; ++r) {
    batch.x.middleCols(r * m, m) = problem.A[r].transpose();
    batch.y.segment(r * m, m) = problem.b[r];
  }
  ModelSpec spec;
  spec.kind = ModelKind::linear_regression;
  auto model = make_model<double>(spec, d, 0);
  // Step 1/L with L the largest eigenvalue of the Hessian X X^T / N.
  const Mat<double> H = batch.x * batch.x.transpose() / double(ranks * m);
  const double L = Eigen::SelfAdjointEigenSolver<Mat<double>>(H).eigenvalues().maxCoeff();
  Vec<double> x = model->init_params(1), g(d);
  for (int it = 0; it < 2000; ++it) {
    model->loss_and_gradient(x, batch, g);
    x -= g / L;
  }
  const double err = (x - problem.x_star).norm();
  INFO("||x - x*|| = ", err);
  CHECK(err <= 1e-8);
}

TEST_CASE("kernels: synthetic data set and its float optimum") {
  DatasetSpec spec;
  spec.kind = DatasetKind::synthetic_least_squares;
  spec.ranks = 3;
  spec.samples_per_rank = 40;
  spec.dim = 8;
  spec.heterogeneity = 0.5;
  const DataBundle data = load_dataset(spec);
  CHECK(data.train.size() == 120);
  CHECK(data.train.dim() == 8);
  CHECK_FALSE(data.train.is_classification());
  REQUIRE(data.optimum.has_value());
  const auto p = make_least_squares(3, 40, 8, 0.5, spec.seed);
  CHECK((*data.optimum - p.x_star).norm() <= 1e-4 * p.x_star.norm());  // float rounding only
}
