#include "kernels/idx_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

namespace dtsim::kernels {

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile open_or_throw(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    throw std::runtime_error("cannot open dataset file " + path + " (" + std::strerror(errno) +
                             "); install the Debian package dataset-fashion-mnist "
                             "(apt-get install dataset-fashion-mnist) or point the dataset path elsewhere");
  }
  return GzFile(f);
}

void read_exact(gzFile f, void* dst, std::size_t n, const std::string& path) {
  auto* p = static_cast<unsigned char*>(dst);
  while (n > 0) {
    // gzread takes an unsigned count; read in chunks to stay far below its limit.
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30));
    const int got = gzread(f, p, chunk);
    if (got <= 0) throw std::runtime_error("dataset file " + path + " is truncated or corrupt");
    p += got;
    n -= static_cast<std::size_t>(got);
  }
}

std::uint32_t read_be32(gzFile f, const std::string& path) {
  unsigned char b[4];
  read_exact(f, b, 4, path);
  return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3];
}

}  // namespace

Dataset read_idx(const std::string& images_path, const std::string& labels_path, Index limit, int num_classes) {
  auto images = open_or_throw(images_path);
  auto labels = open_or_throw(labels_path);
  if (read_be32(images.get(), images_path) != 0x803)
    throw std::runtime_error(images_path + " is not an IDX image file (magic 0x803)");
  if (read_be32(labels.get(), labels_path) != 0x801)
    throw std::runtime_error(labels_path + " is not an IDX label file (magic 0x801)");
  const Index n = read_be32(images.get(), images_path);
  const Index rows = read_be32(images.get(), images_path);
  const Index cols = read_be32(images.get(), images_path);
  if (read_be32(labels.get(), labels_path) != static_cast<std::uint32_t>(n))
    throw std::runtime_error(images_path + " and " + labels_path + " hold different sample counts");
  const Index keep = (limit > 0 && limit < n) ? limit : n;

  Dataset d;
  d.num_classes = num_classes;
  const Index dim = rows * cols;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(keep * dim));
  read_exact(images.get(), pixels.data(), pixels.size(), images_path);
  // Samples are stored one after another, which is exactly a column-major dim x keep matrix.
  d.features = Eigen::Map<const Eigen::Matrix<unsigned char, Eigen::Dynamic, Eigen::Dynamic>>(pixels.data(), dim, keep)
                   .cast<float>() / 255.0f;

  std::vector<unsigned char> raw(static_cast<std::size_t>(keep));
  read_exact(labels.get(), raw.data(), raw.size(), labels_path);
  d.labels.assign(raw.begin(), raw.end());
  for (auto l : d.labels)
    if (l >= num_classes) throw std::runtime_error(labels_path + " holds label " + std::to_string(l));
  return d;
}

std::string fashion_mnist_problem(const std::string& dir) {
  const std::pair<const char*, std::uint32_t> files[] = {{"/train-images-idx3-ubyte.gz", 0x803},
                                                         {"/train-labels-idx1-ubyte.gz", 0x801},
                                                         {"/t10k-images-idx3-ubyte.gz", 0x803},
                                                         {"/t10k-labels-idx1-ubyte.gz", 0x801}};
  for (const auto& [name, magic] : files) {
    const std::string path = dir + name;
    struct stat info {};
    const char* hint = "; install the Debian package dataset-fashion-mnist or give the directory that holds it";
    if (::stat(path.c_str(), &info) != 0) return "cannot open " + path + " (" + std::strerror(errno) + ")" + hint;
    if (!S_ISREG(info.st_mode)) return path + " is not a regular file" + hint;  // checked first: a FIFO would block
    try {
      const GzFile f = open_or_throw(path);
      if (read_be32(f.get(), path) != magic) return path + " is not an IDX file (magic " + std::to_string(magic) + ")";
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  return "";
}

FashionMnist load_fashion_mnist(const std::string& dir, Index train_limit, Index test_limit) {
  return {read_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz", train_limit),
          read_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz", test_limit)};
}

}  // namespace dtsim::kernels
