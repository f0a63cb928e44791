#include "kernels/dense_network.h"

#include <cmath>
#include <stdexcept>

#include "kernels/eigen_blocking.h"
#include "kernels/rng.h"

namespace dtsim::kernels {

template <class S>
DenseNetwork<S>::DenseNetwork(std::string name, DenseLayout layout) : name_(std::move(name)), layout_(std::move(layout)) {
  if (layout_.layers() < 1) throw std::invalid_argument("a dense network needs at least one layer");
  if (layout_.loss == Loss::half_squared_error && layout_.sizes.back() != 1)
    throw std::invalid_argument("squared-error networks have one output");
  pin_eigen_blocking();
}

template <class S>
double DenseNetwork<S>::flops_per_sample() const {
  // Per layer: forward W*a (2 in out), weight gradient (2 in out), input gradient (2 in out,
  // not needed for the first layer). Bias, ReLU and the loss are O(out) and left out.
  double flops = 0;
  for (int l = 0; l < layout_.layers(); ++l) {
    const double io = double(layout_.sizes[l]) * double(layout_.sizes[l + 1]);
    flops += (l == 0 ? 4.0 : 6.0) * io;
  }
  return flops;
}

template <class S>
Vec<S> DenseNetwork<S>::init_params(std::uint64_t seed) const {
  Vec<S> p = Vec<S>::Zero(num_params());
  // A single layer is a convex model: start at zero. Deeper networks: He-normal weights
  // (std sqrt(2/in)) before ReLUs, std sqrt(1/in) for the output layer; biases zero.
  if (layout_.layers() == 1) return p;
  Rng rng(mix_seed(seed, 0x1417));
  for (int l = 0; l < layout_.layers(); ++l) {
    const double in = double(layout_.sizes[l]);
    const double std_dev = std::sqrt((l + 1 < layout_.layers() ? 2.0 : 1.0) / in);
    const Index offset = layout_.weight_offset(l), count = layout_.sizes[l] * layout_.sizes[l + 1];
    for (Index i = 0; i < count; ++i) p(offset + i) = static_cast<S>(std_dev * rng.normal());
  }
  return p;
}

template <class S>
typename DenseNetwork<S>::ConstMap DenseNetwork<S>::weight(const S* p, int l) const {
  return ConstMap(p + layout_.weight_offset(l), layout_.sizes[l + 1], layout_.sizes[l]);
}

template <class S>
void DenseNetwork<S>::forward(const S* p, const Mat<S>& x, std::vector<Mat<S>>& acts) const {
  const int L = layout_.layers();
  acts.resize(static_cast<std::size_t>(L));
  for (int l = 0; l < L; ++l) {
    const Mat<S>& in = l == 0 ? x : acts[l - 1];
    acts[l].noalias() = weight(p, l) * in;  // one GEMM for the whole batch
    if (layout_.bias)
      acts[l].colwise() += Eigen::Map<const Vec<S>>(p + layout_.bias_offset(l), layout_.sizes[l + 1]);
    if (l + 1 < L) acts[l] = acts[l].unaryExpr(Relu<S>());
  }
}

template <class S>
void DenseNetwork<S>::grouped_loss_and_gradients(const Eigen::Ref<const Vec<S>>& params, const Batch<S>& batch,
                                                 Index group_size, S* const* grads, S* losses) const {
  const Index n = batch.size();
  if (params.size() != num_params()) throw std::invalid_argument(name_ + ": wrong parameter count");
  if (batch.x.rows() != layout_.sizes[0]) throw std::invalid_argument(name_ + ": batch has the wrong input width");
  if (group_size < 1 || n % group_size != 0) throw std::invalid_argument(name_ + ": batch is not whole groups");
  const Index groups = n / group_size;
  const int L = layout_.layers();
  const S* p = params.data();

  std::vector<Mat<S>> acts;
  forward(p, batch.x, acts);

  // Output gradient, column by column with the shared per-sample functors; each group's loss
  // is its own mean, hence the 1/group_size scale.
  Mat<S>& dz = acts[L - 1];  // overwritten in place: logits are not needed afterwards
  const S scale = S(1) / S(group_size);
  const int k = static_cast<int>(layout_.sizes[L]);
  for (Index g = 0; g < groups; ++g) {
    S sum = 0;
    for (Index j = g * group_size; j < (g + 1) * group_size; ++j) {
      if (layout_.loss == Loss::softmax_cross_entropy)
        sum += softmax_cross_entropy(dz.col(j).data(), k, batch.labels[j], scale, dz.col(j).data());
      else
        sum += half_squared_error(dz(0, j), batch.y(j), scale, &dz(0, j));
    }
    losses[g] = sum / S(group_size);
  }

  Mat<S> upstream;
  for (int l = L - 1; l >= 0; --l) {
    const Mat<S>& in = l == 0 ? batch.x : acts[l - 1];
    const Mat<S>& d = l == L - 1 ? acts[L - 1] : upstream;
    const Index out = layout_.sizes[l + 1], width = layout_.sizes[l];
    for (Index g = 0; g < groups; ++g) {
      // Weight gradients are per group (per rank): one GEMM per group over its columns.
      Eigen::Map<Mat<S>> dW(grads[g] + layout_.weight_offset(l), out, width);
      dW.noalias() = d.middleCols(g * group_size, group_size) * in.middleCols(g * group_size, group_size).transpose();
      if (layout_.bias)
        Eigen::Map<Vec<S>>(grads[g] + layout_.bias_offset(l), out) = d.middleCols(g * group_size, group_size).rowwise().sum();
    }
    if (l > 0) {
      // The input gradient shares the weights, so it is one GEMM over the stacked batch.
      Mat<S> da;
      da.noalias() = weight(p, l).transpose() * d;
      upstream = da.binaryExpr(acts[l - 1], ReluBackward<S>());
    }
  }
}

template <class S>
Evaluation DenseNetwork<S>::evaluate(const Eigen::Ref<const Vec<S>>& params, const Dataset& data) const {
  if (params.size() != num_params()) throw std::invalid_argument(name_ + ": wrong parameter count");
  const int L = layout_.layers();
  const int k = static_cast<int>(layout_.sizes[L]);
  double loss = 0;
  Index correct = 0;
  std::vector<Mat<S>> acts;
  std::vector<S> scratch(static_cast<std::size_t>(k));
  const Index chunk = 2048;  // bounds the activation memory
  for (Index begin = 0; begin < data.size(); begin += chunk) {
    const Index cols = std::min(chunk, data.size() - begin);
    const Mat<S> x = data.features.middleCols(begin, cols).template cast<S>();
    forward(params.data(), x, acts);
    const Mat<S>& out = acts[L - 1];
    for (Index j = 0; j < cols; ++j) {
      if (layout_.loss == Loss::softmax_cross_entropy) {
        const int label = data.labels[begin + j];
        loss += softmax_cross_entropy(out.col(j).data(), k, label, S(0), scratch.data());
        Index best;
        out.col(j).maxCoeff(&best);
        correct += best == label;
      } else {
        S unused;
        loss += half_squared_error(out(0, j), static_cast<S>(data.targets(begin + j)), S(0), &unused);
      }
    }
  }
  Evaluation e;
  e.loss = data.size() > 0 ? loss / double(data.size()) : 0.0;
  if (layout_.loss == Loss::softmax_cross_entropy && data.size() > 0) e.accuracy = double(correct) / double(data.size());
  return e;
}

template class DenseNetwork<float>;
template class DenseNetwork<double>;

}  // namespace dtsim::kernels
