// PowerSGD (Vogels, Karimireddy and Jaggi, "PowerSGD: Practical Low-Rank Gradient Compression for
// Distributed Optimization", NeurIPS 2019; as PyTorch DDP's powerSGD communication hook): rank-r
// power iteration with warm start, one step per gradient step, in two allreduce rounds.
//
// Each weight matrix of the gradient (plus the error-feedback residual, which
// compress_with_error_feedback adds) is compressed on its own, as in the paper and the hook: the
// compressor's layout (Workload::gradient_layout(), the model's layers) gives the tensors; a matrix
// M (m x k, both at least 2) gets rank r = min(rank, m, k), and a vector (a bias: a dimension of 1) is
// sent as it is. Without a layout that covers the gradient (timing-only runs, whose gradient has no
// values: a catalog profile gives parameter counts but not shapes), the whole gradient of d entries is
// one m x k matrix, row-major, k = ceil(sqrt(d)), m = ceil(d / k), the m k - d entries past d being 0;
// the square-ish shape gives the fewest values for a given r, r (m + k) ~ 2 r sqrt(d), so timing-only
// runs are an optimistic estimate of the per-layer wire size. For each matrix, Q (k x r) its warm start:
//   round 0: P_i = M_i Q (m x r), allreduced: P = sum_i P_i; P^ = Gram-Schmidt(P) (same on all ranks)
//   round 1: Q_i = M_i^T P^ (k x r), allreduced with the vectors: Q = sum_i Q_i
//   decode:  sum_i P^ Q_i^T = P^ Q^T (the engine divides by p); this rank's own contribution (what error
//            feedback subtracts, the paper's local decompression) is P^ Q_i^T, and its own vectors.
// The vectors travel in the last round so that the local decoding (earlier rounds' sums, this rank's
// last block) is this rank's own vector: its residual is then 0.
// The summed Q is the next step's warm start (kept per rank, identical on all ranks). The first Q is
// drawn from the scenario seed with keyed_uniform (uniform in [-1, 1), the same on every rank; PyTorch
// draws it from a normal distribution), keyed by (row of Q in the matrices' stacked Qs, column); a column
// that is 0 (a zero gradient) is redrawn the same way, as the power iteration could not leave it
// otherwise. Gram-Schmidt runs in double; a column whose norm after projection is below 1e-12 of its
// norm before (dependent columns, e.g. a rank-deficient M) is set to 0, as is an all-zero one. Products
// run in double on Eigen, the payload is float.
// Wire bytes, for b bytes per entry: round 0 sum r m b, round 1 (sum r k + vector entries) b, each
// allreduced by algorithm.collective.
// Known differences from PyTorch: a dense layer's W is stored in x out here, so M is the transpose of
// PyTorch's out x in view (P and Q swap roles; the rank-r approximation is of the same matrix); the
// hook also sends uncompressed a matrix for which r (m + k) is not below m k / 2
// (min_compression_rate), sends the vectors in a third allreduce, and by default runs plain allreduce
// for the first steps (start_powerSGD_iter); here PowerSGD runs from the first step, as in the paper.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "algorithms/compression/schemes.h"
#include "sim/engine/straggler_model.h"

namespace dtsim::compression {
namespace {

// keyed_uniform stream of the initial Q (the others of compression are in schemes.h).
constexpr std::uint64_t kPowerSgdStream = 0x7c03;

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One tensor of the gradient as PowerSGD sends it.
struct Block {
  std::size_t offset = 0, size = 0;  // its entries in the flat gradient
  std::size_t m = 0, k = 0, r = 0;   // matrix m x k at rank r; r = 0: a vector, sent as it is
  std::size_t p_at = 0;              // where its P lies in round 0's block
  std::size_t q_at = 0;              // where its Q (or the vector) lies in round 1's block
  std::size_t q_row = 0;             // first row of its Q among the matrices' Qs stacked (keys the first Q)
};

// The blocks of a gradient and the lengths of the two rounds' blocks.
struct Plan {
  std::vector<Block> blocks;
  std::size_t round0 = 0, round1 = 0;
};

class PowerSgd : public Compressor {
 public:
  using Compressor::Compressor;
  Exchange exchange() const override { return Exchange::Allreduce; }
  int rounds() const override { return 2; }
  double wire_bytes(double params) const override { return round_wire_bytes(0, params) + round_wire_bytes(1, params); }
  double round_wire_bytes(int round, double params) const override {
    const Plan p = plan(static_cast<std::size_t>(params));
    return static_cast<double>(round == 0 ? p.round0 : p.round1) * bytes_per_param_;
  }

  // payload = [round 0: the P's (summed); round 1: the Q's and vectors (this rank's or the sums)];
  // out += P^ Q^T per matrix, + the vectors.
  void decode_add(const std::vector<float>& payload, const CompressionKey&, std::vector<float>& out) const override {
    const Plan p = plan(out.size());
    for (const Block& b : p.blocks) {
      const float* last = payload.data() + p.round0 + b.q_at;
      if (b.r == 0) {
        for (std::size_t i = 0; i < b.size; ++i) out[b.offset + i] += last[i];
        continue;
      }
      const Matrix approx = orthonormal(to_matrix(payload.data() + b.p_at, b.m, b.r)) *
                            to_matrix(last, b.k, b.r).transpose();  // m x k
      for (std::size_t i = 0; i < b.size; ++i) out[b.offset + i] += static_cast<float>(approx.data()[i]);
    }
  }

  // Keeps the summed Q's as this rank's next warm start.
  void exchanged(const std::vector<float>& payload, const CompressionKey& key) override {
    const std::size_t rank = static_cast<std::size_t>(key.rank);
    if (warm_.size() <= rank) warm_.resize(rank + 1);
    const Plan p = plan(d_);
    warm_[rank].assign(payload.begin() + static_cast<std::ptrdiff_t>(p.round0), payload.end());
  }

 protected:
  // Round 0: P_i = M_i Q per matrix.
  std::vector<float> encode(const std::vector<float>& g, const CompressionKey& key) const override {
    const Plan p = plan(g.size());
    d_ = g.size();
    std::vector<float> out(p.round0);
    for (const Block& b : p.blocks)
      if (b.r > 0) put(as_matrix(g, b) * warm_start(b, p, key), out, b.p_at);
    return out;
  }
  // Round 1: Q_i = M_i^T P^ per matrix, P^ the orthonormalised sum of the P_i; the vectors as they are.
  std::vector<float> encode_round(int, const std::vector<float>& g, const std::vector<float>& earlier,
                                  const CompressionKey&) const override {
    const Plan p = plan(g.size());
    std::vector<float> out(p.round1);
    for (const Block& b : p.blocks) {
      if (b.r == 0) {
        std::copy_n(g.begin() + static_cast<std::ptrdiff_t>(b.offset), b.size, out.begin() + static_cast<std::ptrdiff_t>(b.q_at));
        continue;
      }
      const Matrix p_hat = orthonormal(to_matrix(earlier.data() + b.p_at, b.m, b.r));
      put(as_matrix(g, b).transpose() * p_hat, out, b.q_at);
    }
    return out;
  }

 private:
  // The blocks of a gradient of d entries: the layout's tensors when it covers d, else one matrix.
  Plan plan(std::size_t d) const {
    const auto rank = static_cast<std::size_t>(std::max(spec_.rank, 1));
    Plan p;
    std::size_t covered = 0;
    for (const TensorShape& t : layout_) covered += t.size();
    std::vector<Block> blocks;
    if (!layout_.empty() && covered == d) {
      std::size_t offset = 0;
      for (const TensorShape& t : layout_) {
        Block b;
        b.offset = offset;
        b.size = t.size();
        if (std::min(t.rows, t.cols) >= 2) {
          b.m = t.rows;
          b.k = t.cols;
          b.r = std::min({rank, b.m, b.k});
        }
        offset += b.size;
        blocks.push_back(b);
      }
    } else if (d > 0) {
      Block b;
      b.size = d;
      b.k = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(d))));
      while (b.k * b.k < d) ++b.k;  // guard against sqrt rounding
      while (b.k > 1 && (b.k - 1) * (b.k - 1) >= d) --b.k;
      b.m = (d + b.k - 1) / b.k;
      b.r = std::min({rank, b.m, b.k});
      blocks.push_back(b);
    }
    // Matrices first in round 1's block (their Qs are the warm starts), then the vectors.
    std::size_t q_rows = 0;
    for (Block& b : blocks) {
      if (b.r == 0) continue;
      b.p_at = p.round0;
      b.q_at = p.round1;
      b.q_row = q_rows;
      q_rows += b.k;
      p.round0 += b.m * b.r;
      p.round1 += b.k * b.r;
    }
    for (Block& b : blocks) {
      if (b.r > 0) continue;
      b.q_at = p.round1;
      p.round1 += b.size;
    }
    p.blocks = std::move(blocks);
    return p;
  }

  static Matrix as_matrix(const std::vector<float>& g, const Block& b) {
    Matrix m = Matrix::Zero(static_cast<Eigen::Index>(b.m), static_cast<Eigen::Index>(b.k));
    for (std::size_t i = 0; i < b.size; ++i) m.data()[i] = g[b.offset + i];
    return m;
  }
  static Matrix to_matrix(const float* v, std::size_t rows, std::size_t cols) {
    Matrix m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (std::size_t i = 0; i < rows * cols; ++i) m.data()[i] = v[i];
    return m;
  }
  static void put(const Matrix& m, std::vector<float>& out, std::size_t at) {
    for (Eigen::Index i = 0; i < m.size(); ++i) out[at + static_cast<std::size_t>(i)] = static_cast<float>(m.data()[i]);
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

  // The Q of matrix b this step: the previous summed Q of this rank, or the keyed initial one (per column).
  Matrix warm_start(const Block& b, const Plan& p, const CompressionKey& key) const {
    const std::size_t rank = static_cast<std::size_t>(key.rank);
    const bool have = rank < warm_.size() && warm_[rank].size() == p.round1;
    Matrix q = have ? to_matrix(warm_[rank].data() + b.q_at, b.k, b.r)
                    : Matrix::Zero(static_cast<Eigen::Index>(b.k), static_cast<Eigen::Index>(b.r));
    // Keyed by the row among the stacked Qs: each matrix draws its own.
    for (Eigen::Index j = 0; j < q.cols(); ++j) {
      if (q.col(j).squaredNorm() > 0) continue;
      for (Eigen::Index i = 0; i < q.rows(); ++i)
        q(i, j) = 2 * keyed_uniform(key.seed, kPowerSgdStream, b.q_row + static_cast<std::uint64_t>(i),
                                    static_cast<std::uint64_t>(j)) -
                  1;
    }
    return q;
  }
  std::vector<std::vector<float>> warm_;  // per rank: the summed Qs of the last step (round 1's Q part)
  // The real gradient length of the last encode (fixed in a run), which exchanged() needs for the layout.
  mutable std::size_t d_ = 0;
};

const bool registered_powersgd = CompressorRegistry::add(
    {"powersgd",
     "rank-r power iteration with warm start in two allreduces, per weight matrix r (m + k) values on the "
     "wire, vectors as they are (PowerSGD, Vogels et al. 2019)",
     compression_options(true, {Option::integer("rank", 4, 1, 1 << 16, "rank r of the factors P (m x r) and Q (k x r) of "
                                                               "each m x k weight matrix of the gradient")})},
    [](const OptionValues& o) { return std::make_unique<PowerSgd>(CompressionSpec::from("powersgd", o)); });

}  // namespace
}  // namespace dtsim::compression
