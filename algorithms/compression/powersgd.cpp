// PowerSGD (Vogels, Karimireddy and Jaggi, "PowerSGD: Practical Low-Rank Gradient Compression for
// Distributed Optimization", NeurIPS 2019; as PyTorch DDP's powerSGD communication hook): rank-r
// power iteration with warm start, one step per gradient step, in two allreduce rounds.
//
// The flat gradient (plus the error-feedback residual, which compress_with_error_feedback adds) of d
// real entries is viewed as an m x k matrix M, row-major, k = ceil(sqrt(d)), m = ceil(d / k), the
// m k - d entries past d being 0. With r = min(rank, m, k) and Q (k x r) the warm start:
//   round 0: P_i = M_i Q (m x r), allreduced: P = sum_i P_i; P^ = Gram-Schmidt(P) (same on all ranks)
//   round 1: Q_i = M_i^T P^ (k x r), allreduced: Q = sum_i Q_i
//   decode:  sum_i P^ Q_i^T = P^ Q^T (the engine divides by p); this rank's own contribution (what error
//            feedback subtracts, the paper's local decompression) is P^ Q_i^T.
// The summed Q is the next step's warm start (kept per rank, identical on all ranks). The first Q is
// drawn from the scenario seed with keyed_uniform (uniform in [-1, 1), the same on every rank; PyTorch
// draws it from a normal distribution); a column that is 0 (a zero gradient) is redrawn the same way, as
// the power iteration could not leave it otherwise. Gram-Schmidt runs in double; a column whose norm
// after projection is below 1e-12 of its norm before (dependent columns, e.g. a rank-deficient M) is
// set to 0, as is an all-zero one. Products run in double on Eigen, the payload is float.
// Wire bytes, for d simulated parameters of b bytes: r (m + k) b, in two allreduces of r m b and r k b,
// each by algorithm.collective.
// Known difference from PyTorch: PyTorch reshapes each layer's tensor (n x prod(other dims)) and
// compresses the layers of a bucket separately (skipping 1-D tensors such as biases, which it sends
// uncompressed); here the compressor sees only the flat gradient, so one matrix covers the whole model
// (a per-layer layout would need the workload's layer shapes). The square-ish shape gives the best
// compression for a given r: r (m + k) ~ 2 r sqrt(d).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>

#include "algorithms/compression/schemes.h"
#include "sim/engine/straggler_model.h"

namespace dtsim::compression {
namespace {

// keyed_uniform stream of the initial Q (the others of compression are in schemes.h).
constexpr std::uint64_t kPowerSgdStream = 0x7c03;

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Shape {
  std::size_t m = 0, k = 0, r = 0;
};

class PowerSgd : public Compressor {
 public:
  using Compressor::Compressor;
  Exchange exchange() const override { return Exchange::Allreduce; }
  int rounds() const override { return 2; }
  double wire_bytes(double params) const override { return round_wire_bytes(0, params) + round_wire_bytes(1, params); }
  double round_wire_bytes(int round, double params) const override {
    const Shape s = shape(static_cast<std::size_t>(params));
    return static_cast<double>(s.r * (round == 0 ? s.m : s.k)) * bytes_per_param_;
  }

  // payload = [P (m x r, summed), Q (k x r: this rank's or the sum)]; out += P^ Q^T.
  void decode_add(const std::vector<float>& payload, const CompressionKey&, std::vector<float>& out) const override {
    const Shape s = shape(out.size());
    const Matrix p_hat = orthonormal(to_matrix(payload, 0, s.m, s.r));
    const Matrix q = to_matrix(payload, s.m * s.r, s.k, s.r);
    const Matrix approx = p_hat * q.transpose();  // m x k
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += static_cast<float>(approx.data()[i]);
  }

  // Keeps the summed Q as this rank's next warm start.
  void exchanged(const std::vector<float>& payload, const CompressionKey& key) override {
    const std::size_t rank = static_cast<std::size_t>(key.rank);
    if (warm_.size() <= rank) warm_.resize(rank + 1);
    const Shape s = shape(d_);
    warm_[rank] = to_matrix(payload, s.m * s.r, s.k, s.r);
  }

 protected:
  // Round 0: P_i = M_i Q.
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey& key) const override {
    const Shape s = shape(g.size());
    d_ = g.size();
    const Matrix p = as_matrix(g, s) * warm_start(s, key);
    return to_floats(p);
  }
  // Round 1: Q_i = M_i^T P^, P^ the orthonormalised sum of the P_i.
  std::vector<float> encode_round(int, const std::vector<float>& g, const std::vector<float>& earlier,
                                  const CompressionKey&) const override {
    const Shape s = shape(g.size());
    const Matrix p_hat = orthonormal(to_matrix(earlier, 0, s.m, s.r));
    const Matrix q = as_matrix(g, s).transpose() * p_hat;
    return to_floats(q);
  }

 private:
  Shape shape(std::size_t d) const {
    Shape s;
    if (d == 0) return s;
    s.k = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(d))));
    while (s.k * s.k < d) ++s.k;  // guard against sqrt rounding
    while (s.k > 1 && (s.k - 1) * (s.k - 1) >= d) --s.k;
    s.m = (d + s.k - 1) / s.k;
    s.r = std::min({static_cast<std::size_t>(std::max(spec_.rank, 1)), s.m, s.k});
    return s;
  }

  static Matrix as_matrix(const std::vector<float>& g, const Shape& s) {
    Matrix m = Matrix::Zero(static_cast<Eigen::Index>(s.m), static_cast<Eigen::Index>(s.k));
    for (std::size_t i = 0; i < g.size(); ++i) m.data()[i] = g[i];
    return m;
  }
  static Matrix to_matrix(const std::vector<float>& v, std::size_t offset, std::size_t rows, std::size_t cols) {
    Matrix m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (std::size_t i = 0; i < rows * cols; ++i) m.data()[i] = v[offset + i];
    return m;
  }
  static std::vector<float> to_floats(const Matrix& m) {
    std::vector<float> v(static_cast<std::size_t>(m.size()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(m.data()[i]);
    return v;
  }

  // Modified Gram-Schmidt on the columns.
  static Matrix orthonormal(Matrix p) {
    for (Eigen::Index j = 0; j < p.cols(); ++j) {
      const double before = p.col(j).norm();
      for (Eigen::Index i = 0; i < j; ++i) p.col(j) -= p.col(i).dot(p.col(j)) * p.col(i);
      const double after = p.col(j).norm();
      if (before == 0 || after <= 1e-12 * before)
        p.col(j).setZero();
      else
        p.col(j) /= after;
    }
    return p;
  }

  // The Q of this step: the previous summed Q of this rank, or the keyed initial one (per column).
  Matrix warm_start(const Shape& s, const CompressionKey& key) const {
    const std::size_t rank = static_cast<std::size_t>(key.rank);
    Matrix q;
    const bool have = rank < warm_.size() && static_cast<std::size_t>(warm_[rank].rows()) == s.k &&
                      static_cast<std::size_t>(warm_[rank].cols()) == s.r;
    q = have ? warm_[rank] : Matrix::Zero(static_cast<Eigen::Index>(s.k), static_cast<Eigen::Index>(s.r));
    for (Eigen::Index j = 0; j < q.cols(); ++j) {
      if (q.col(j).squaredNorm() > 0) continue;
      for (Eigen::Index i = 0; i < q.rows(); ++i)
        q(i, j) = 2 * keyed_uniform(key.seed, kPowerSgdStream, static_cast<std::uint64_t>(i),
                                    static_cast<std::uint64_t>(j)) -
                  1;
    }
    return q;
  }

  std::vector<Matrix> warm_;  // per rank: the summed Q of the last step (k x r)
  // The real gradient length of the last encode (fixed in a run), which exchanged() needs for the layout.
  mutable std::size_t d_ = 0;
};

const bool registered = CompressorRegistry::add(
    {"powersgd",
     "rank-r power iteration with warm start in two allreduces, r (m + k) values on the wire (PowerSGD, "
     "Vogels et al. 2019)",
     compression_options(true, {Option::integer("rank", 4, 1, 1 << 16, "rank r of the factors P (m x r) and Q (k x r) of "
                                                               "the gradient viewed as an m x k matrix")})},
    [](const OptionValues& o) { return std::make_unique<PowerSgd>(CompressionSpec::from("powersgd", o)); });

}  // namespace
}  // namespace dtsim::compression
