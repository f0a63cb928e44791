#include "kernels/data_loader.h"

#include "kernels/idx_reader.h"
#include "kernels/least_squares.h"

namespace dtsim::kernels {

DataBundle load_dataset(const DatasetSpec& spec) {
  DataBundle bundle;
  if (spec.kind == DatasetKind::fashion_mnist) {
    auto fm = load_fashion_mnist(spec.path, spec.train_limit, spec.test_limit);
    bundle.train = std::move(fm.train);
    bundle.test = std::move(fm.test);
    return bundle;
  }
  const auto problem = make_least_squares(spec.ranks, spec.samples_per_rank, spec.dim, spec.heterogeneity, spec.seed);
  bundle.train = problem.to_dataset();
  bundle.test = bundle.train;
  // Training sees float-rounded data; its optimum differs from x* by rounding only, and is the
  // value a converged float run is compared with.
  std::vector<Mat<double>> A;
  std::vector<Vec<double>> b;
  const Index m = spec.samples_per_rank;
  for (int r = 0; r < spec.ranks; ++r) {
    A.push_back(bundle.train.features.middleCols(r * m, m).transpose().cast<double>());
    b.push_back(bundle.train.targets.segment(r * m, m).cast<double>());
  }
  bundle.optimum = LeastSquaresProblem::solve(A, b);
  return bundle;
}

}  // namespace dtsim::kernels
