#pragma once
// Reader of the IDX format (MNIST, Fashion-MNIST), gzip-compressed or not (zlib reads both).
#include <string>

#include "kernels/dataset.h"

namespace dtsim::kernels {

// Images (magic 0x803) scaled to [0, 1] plus labels (magic 0x801), keeping the first `limit`
// samples (0 = all). Throws std::runtime_error naming the file on any problem.
Dataset read_idx(const std::string& images_path, const std::string& labels_path, Index limit = 0,
                 int num_classes = 10);

struct FashionMnist {
  Dataset train;  // 60000 x 784
  Dataset test;   // 10000 x 784
};

// "" when `dir` holds the four Fashion-MNIST IDX files (regular files, right magic numbers); else the
// problem. Cheap (reads 4 bytes of each): scenario validation calls it so a bad path is bad input.
std::string fashion_mnist_problem(const std::string& dir);

// Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz from `dir` (the Debian package
// dataset-fashion-mnist installs them in /usr/share/datasets/fashion-mnist).
FashionMnist load_fashion_mnist(const std::string& dir = "/usr/share/datasets/fashion-mnist",
                                Index train_limit = 0, Index test_limit = 0);

}  // namespace dtsim::kernels
