#pragma once
// A stack of fully connected layers with ReLU between them, trained on one loss. The three
// models of dtsim are its configurations:
//   softmax regression  = sizes {d, classes},       bias, softmax cross-entropy
//   MLP                 = sizes {d, h1, ..., classes}, bias, softmax cross-entropy
//   linear least squares = sizes {d, 1},            no bias, half squared error
// Parameter layout: see dense_layout.h.
#include <vector>

#include "kernels/dense_layout.h"
#include "kernels/dense_math.h"
#include "kernels/model.h"

namespace dtsim::kernels {

template <class S>
class DenseNetwork final : public ModelT<S> {
 public:
  DenseNetwork(std::string name, DenseLayout layout);

  std::string name() const override { return name_; }
  Index num_params() const override { return layout_.num_params(); }
  double flops_per_sample() const override;
  Vec<S> init_params(std::uint64_t seed) const override;
  void grouped_loss_and_gradients(const Eigen::Ref<const Vec<S>>& params, const Batch<S>& batch, Index group_size,
                                  S* const* grads, S* losses) const override;
  Evaluation evaluate(const Eigen::Ref<const Vec<S>>& params, const Dataset& data) const override;

  const DenseLayout& layout() const { return layout_; }

 private:
  using ConstMap = Eigen::Map<const Mat<S>>;
  ConstMap weight(const S* p, int l) const;
  // acts[l] = output of layer l (after ReLU for hidden layers, raw logits for the last one).
  void forward(const S* p, const Mat<S>& x, std::vector<Mat<S>>& acts) const;

  std::string name_;
  DenseLayout layout_;
};

extern template class DenseNetwork<float>;
extern template class DenseNetwork<double>;

}  // namespace dtsim::kernels
