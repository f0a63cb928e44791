// Fashion-MNIST from the Debian package dataset-fashion-mnist.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "kernels/idx_reader.h"

using namespace dtsim::kernels;

TEST_CASE("kernels: IDX reader loads all of Fashion-MNIST") {
  const FashionMnist fm = load_fashion_mnist();
  CHECK(fm.train.size() == 60000);
  CHECK(fm.test.size() == 10000);
  CHECK(fm.train.dim() == 784);
  CHECK(fm.train.num_classes == 10);
  // Fashion-MNIST is balanced: 6000 / 1000 images per class.
  for (auto c : label_counts(fm.train)) CHECK(c == 6000);
  for (auto c : label_counts(fm.test)) CHECK(c == 1000);
  CHECK(fm.train.features.minCoeff() == 0.0f);
  CHECK(fm.train.features.maxCoeff() == 1.0f);
  const double mean = fm.train.features.cast<double>().mean();
  CHECK(mean > 0.2);  // Fashion-MNIST's mean pixel is about 0.286
  CHECK(mean < 0.4);
}

TEST_CASE("kernels: IDX reader keeps a prefix when limited") {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const Dataset all = read_idx(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz");
  const Dataset some = read_idx(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz", 100);
  CHECK(all.size() == 10000);
  CHECK(some.size() == 100);
  CHECK(some.features == all.features.leftCols(100));
  CHECK(std::equal(some.labels.begin(), some.labels.end(), all.labels.begin()));
}

TEST_CASE("kernels: a missing data set names the file and the Debian package") {
  try {
    load_fashion_mnist("/nonexistent/fashion");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.find("/nonexistent/fashion/train-images-idx3-ubyte.gz") != std::string::npos);
    CHECK(what.find("dataset-fashion-mnist") != std::string::npos);
  }
}
