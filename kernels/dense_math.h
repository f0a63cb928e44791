#pragma once
// Element-level math of dense networks, shared by the CPU (Eigen) and CUDA backends so that the
// CPU tests cover the formulas the GPU runs. No Eigen and no std:: here: nvcc compiles this file
// for the device as well.
#include <math.h>

#if defined(__CUDACC__)
#define DTSIM_HD __host__ __device__
#else
#define DTSIM_HD
#endif

namespace dtsim::kernels {

enum class Loss { softmax_cross_entropy, half_squared_error };

DTSIM_HD inline float hd_exp(float x) { return expf(x); }
DTSIM_HD inline double hd_exp(double x) { return exp(x); }
DTSIM_HD inline float hd_log(float x) { return logf(x); }
DTSIM_HD inline double hd_log(double x) { return log(x); }

template <class S>
struct Relu {
  DTSIM_HD S operator()(S z) const { return z > S(0) ? z : S(0); }
};

// Gradient through a ReLU, written in terms of its output a = relu(z) (so z need not be kept).
template <class S>
struct ReluBackward {
  DTSIM_HD S operator()(S upstream, S a) const { return a > S(0) ? upstream : S(0); }
};

// Cross-entropy of softmax(z) for one sample (k logits, contiguous) with true class `label`.
// Returns the loss and writes scale * (softmax(z) - onehot(label)) into dz (dz may alias z).
// The max is subtracted first so exp never overflows.
template <class S>
DTSIM_HD S softmax_cross_entropy(const S* z, int k, int label, S scale, S* dz) {
  S m = z[0];
  for (int i = 1; i < k; ++i) m = z[i] > m ? z[i] : m;
  S sum = S(0);
  for (int i = 0; i < k; ++i) sum += hd_exp(z[i] - m);
  const S log_sum = hd_log(sum);
  const S loss = log_sum - (z[label] - m);
  for (int i = 0; i < k; ++i) dz[i] = scale * (hd_exp(z[i] - m - log_sum) - (i == label ? S(1) : S(0)));
  return loss;
}

// 0.5 (pred - target)^2 for one sample; writes scale * (pred - target) into *dpred.
template <class S>
DTSIM_HD S half_squared_error(S pred, S target, S scale, S* dpred) {
  const S r = pred - target;
  *dpred = scale * r;
  return S(0.5) * r * r;
}

}  // namespace dtsim::kernels
