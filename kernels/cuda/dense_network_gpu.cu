// Dense network loss + gradients on the GPU for G groups (ranks) at once. GEMMs go to cuBLAS:
// one plain GEMM over the stacked batch when the groups share parameters, strided-batched GEMMs
// over replicas otherwise; weight gradients are always strided-batched (one per group). The
// element-wise parts call the same functors as the CPU (kernels/dense_math.h).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <vector>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/gpu_network.cuh"
#include "kernels/dense_math.h"

namespace dtsim::kernels::cuda::module {

namespace {

constexpr int kThreads = 256;
int blocks_for(long long n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

// z[i, j] += bias of column j's group; then ReLU for hidden layers.
__global__ void add_bias_relu(float* z, int rows, long long cols, const float* params, long long param_stride,
                              long long bias_offset, int group_size, bool bias, bool relu) {
  const long long idx = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (idx >= rows * cols) return;
  const int i = static_cast<int>(idx % rows);
  const long long j = idx / rows;
  float v = z[idx];
  if (bias) v += params[(j / group_size) * param_stride + bias_offset + i];
  z[idx] = relu ? Relu<float>()(v) : v;
}

// One thread per sample: loss and output gradient (in place) with the shared functors.
__global__ void output_loss(float* z, int k, long long cols, Loss loss, const int* labels, const float* targets,
                            float scale, float* column_loss) {
  const long long j = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (j >= cols) return;
  float* col = z + j * k;
  column_loss[j] = loss == Loss::softmax_cross_entropy ? softmax_cross_entropy(col, k, labels[j], scale, col)
                                                       : half_squared_error(col[0], targets[j], scale, col);
}

// Bias gradient of each group: row sums of its columns of d.
__global__ void bias_gradient(const float* d, int rows, int groups, int group_size, float* grads,
                              long long grad_stride, long long bias_offset) {
  const long long idx = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<long long>(rows) * groups) return;
  const int i = static_cast<int>(idx % rows);
  const long long g = idx / rows;
  float sum = 0.f;
  for (long long j = g * group_size; j < (g + 1) * group_size; ++j) sum += d[i + j * rows];
  grads[g * grad_stride + bias_offset + i] = sum;
}

__global__ void relu_backward(float* da, const float* a, long long n) {
  const long long idx = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (idx < n) da[idx] = ReluBackward<float>()(da[idx], a[idx]);
}

// A device buffer that only grows.
template <class T>
struct DeviceBuffer {
  T* ptr = nullptr;
  std::size_t capacity = 0;
  void reserve(std::size_t n) {
    if (n <= capacity) return;
    if (ptr) cudaFree(ptr);
    ptr = nullptr;
    DTSIM_CUDA_CHECK(cudaMalloc(&ptr, n * sizeof(T)));
    capacity = n;
  }
  ~DeviceBuffer() {
    if (ptr) cudaFree(ptr);
  }
};

}  // namespace

struct GpuNetwork::Impl {
  DenseLayout layout;
  cublasHandle_t handle = nullptr;
  DeviceBuffer<float> params, x, targets, grads, column_loss, scratch_a, scratch_b;
  DeviceBuffer<int> labels;
  std::vector<DeviceBuffer<float>> acts;
};

GpuNetwork::GpuNetwork(const DenseLayout& layout) : impl_(std::make_unique<Impl>()) {
  const Probe status = probe();
  if (status.device_count == 0) throw std::runtime_error(status.message);
  impl_->layout = layout;
  impl_->acts.resize(static_cast<std::size_t>(layout.layers()));
  DTSIM_CUBLAS_CHECK(cublasCreate(&impl_->handle));
}

GpuNetwork::~GpuNetwork() {
  if (impl_ && impl_->handle) cublasDestroy(impl_->handle);
}

void GpuNetwork::grouped_loss_and_gradients(const float* const* params, bool shared, int groups, Index group_size_,
                                            const float* x, const std::int32_t* labels, const float* targets,
                                            float* const* grads, float* losses) {
  Impl& m = *impl_;
  const DenseLayout& lay = m.layout;
  const int L = lay.layers();
  const long long P = lay.num_params();
  const int gs = static_cast<int>(group_size_);
  const long long n = static_cast<long long>(groups) * gs;
  const int replicas = shared ? 1 : groups;
  const long long pstride = shared ? 0 : P;
  const float one = 1.f, zero = 0.f;
  cublasHandle_t h = m.handle;

  // Upload parameters, inputs and labels/targets.
  m.params.reserve(static_cast<std::size_t>(P * replicas));
  for (int g = 0; g < replicas; ++g)
    DTSIM_CUDA_CHECK(cudaMemcpy(m.params.ptr + g * P, params[g], P * sizeof(float), cudaMemcpyHostToDevice));
  m.x.reserve(static_cast<std::size_t>(lay.sizes[0] * n));
  DTSIM_CUDA_CHECK(cudaMemcpy(m.x.ptr, x, lay.sizes[0] * n * sizeof(float), cudaMemcpyHostToDevice));
  if (lay.loss == Loss::softmax_cross_entropy) {
    m.labels.reserve(static_cast<std::size_t>(n));
    DTSIM_CUDA_CHECK(cudaMemcpy(m.labels.ptr, labels, n * sizeof(int), cudaMemcpyHostToDevice));
  } else {
    m.targets.reserve(static_cast<std::size_t>(n));
    DTSIM_CUDA_CHECK(cudaMemcpy(m.targets.ptr, targets, n * sizeof(float), cudaMemcpyHostToDevice));
  }
  long long widest = 0;
  for (auto s : lay.sizes) widest = std::max<long long>(widest, s);
  m.scratch_a.reserve(static_cast<std::size_t>(widest * n));
  m.scratch_b.reserve(static_cast<std::size_t>(widest * n));
  m.grads.reserve(static_cast<std::size_t>(P * groups));
  m.column_loss.reserve(static_cast<std::size_t>(n));

  auto input = [&](int l) { return l == 0 ? m.x.ptr : m.acts[l - 1].ptr; };

  // Forward.
  for (int l = 0; l < L; ++l) {
    const int in = static_cast<int>(lay.sizes[l]), out = static_cast<int>(lay.sizes[l + 1]);
    m.acts[l].reserve(static_cast<std::size_t>(out * n));
    const float* W = m.params.ptr + lay.weight_offset(l);
    if (shared)
      DTSIM_CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, out, static_cast<int>(n), in, &one, W, out, input(l),
                                     in, &zero, m.acts[l].ptr, out));
    else
      DTSIM_CUBLAS_CHECK(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, out, gs, in, &one, W, out, P, input(l),
                                                   in, static_cast<long long>(in) * gs, &zero, m.acts[l].ptr, out,
                                                   static_cast<long long>(out) * gs, groups));
    add_bias_relu<<<blocks_for(out * n), kThreads>>>(m.acts[l].ptr, out, n, m.params.ptr, pstride,
                                                     lay.bias ? lay.bias_offset(l) : 0, gs, lay.bias, l + 1 < L);
    DTSIM_CUDA_CHECK(cudaGetLastError());
  }

  // Loss and output gradient (in place over the logits).
  const int k = static_cast<int>(lay.sizes[L]);
  output_loss<<<blocks_for(n), kThreads>>>(m.acts[L - 1].ptr, k, n, lay.loss, m.labels.ptr, m.targets.ptr,
                                           1.f / static_cast<float>(gs), m.column_loss.ptr);
  DTSIM_CUDA_CHECK(cudaGetLastError());

  // Backward.
  float* d = m.acts[L - 1].ptr;
  for (int l = L - 1; l >= 0; --l) {
    const int in = static_cast<int>(lay.sizes[l]), out = static_cast<int>(lay.sizes[l + 1]);
    DTSIM_CUBLAS_CHECK(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_T, out, in, gs, &one, d, out,
                                                 static_cast<long long>(out) * gs, input(l), in,
                                                 static_cast<long long>(in) * gs, &zero,
                                                 m.grads.ptr + lay.weight_offset(l), out, P, groups));
    if (lay.bias) {
      bias_gradient<<<blocks_for(static_cast<long long>(out) * groups), kThreads>>>(d, out, groups, gs, m.grads.ptr, P,
                                                                                   lay.bias_offset(l));
      DTSIM_CUDA_CHECK(cudaGetLastError());
    }
    if (l == 0) break;
    float* da = d == m.scratch_a.ptr ? m.scratch_b.ptr : m.scratch_a.ptr;
    const float* W = m.params.ptr + lay.weight_offset(l);
    if (shared)
      DTSIM_CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, in, static_cast<int>(n), out, &one, W, out, d, out,
                                     &zero, da, in));
    else
      DTSIM_CUBLAS_CHECK(cublasSgemmStridedBatched(h, CUBLAS_OP_T, CUBLAS_OP_N, in, gs, out, &one, W, out, P, d, out,
                                                   static_cast<long long>(out) * gs, &zero, da, in,
                                                   static_cast<long long>(in) * gs, groups));
    relu_backward<<<blocks_for(static_cast<long long>(in) * n), kThreads>>>(da, m.acts[l - 1].ptr,
                                                                           static_cast<long long>(in) * n);
    DTSIM_CUDA_CHECK(cudaGetLastError());
    d = da;
  }

  // Download gradients and per-group mean losses.
  for (int g = 0; g < groups; ++g)
    DTSIM_CUDA_CHECK(cudaMemcpy(grads[g], m.grads.ptr + g * P, P * sizeof(float), cudaMemcpyDeviceToHost));
  std::vector<float> column_loss(static_cast<std::size_t>(n));
  DTSIM_CUDA_CHECK(cudaMemcpy(column_loss.data(), m.column_loss.ptr, n * sizeof(float), cudaMemcpyDeviceToHost));
  for (int g = 0; g < groups; ++g) {
    double sum = 0;
    for (int j = 0; j < gs; ++j) sum += column_loss[static_cast<std::size_t>(g) * gs + j];
    losses[g] = static_cast<float>(sum / gs);
  }
}

}  // namespace dtsim::kernels::cuda::module
