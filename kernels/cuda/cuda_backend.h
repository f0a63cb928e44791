#pragma once
// The CUDA backend as seen from plain C++ (no CUDA headers): device discovery and a dense
// network's grouped loss + gradients on the GPU. Built from kernels/cuda/*.cu when nvcc is
// found (DTSIM_HAVE_CUDA=1); otherwise a stub reports that CUDA is not built in.
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/dense_layout.h"

namespace dtsim::kernels::cuda {

struct DeviceStatus {
  bool built = false;    // compiled with CUDA
  int device_count = 0;  // cudaGetDeviceCount, 0 on any error
  std::string message;   // e.g. "no CUDA device: ..." or "NVIDIA H100 (sm_90)"
  bool usable() const { return built && device_count > 0; }
};

// Never throws; safe to call on machines without a driver.
DeviceStatus device_status();

// Holds cuBLAS handle and device buffers (grown on demand) for one network layout.
class DenseNetworkGpu {
 public:
  explicit DenseNetworkGpu(const DenseLayout& layout);  // throws std::runtime_error without a device
  ~DenseNetworkGpu();
  DenseNetworkGpu(const DenseNetworkGpu&) = delete;
  DenseNetworkGpu& operator=(const DenseNetworkGpu&) = delete;

  // Same contract as DenseNetwork::grouped_loss_and_gradients, for `groups` groups of
  // group_size columns of x (input width x groups*group_size, column-major, host memory).
  // params[g] is group g's parameter vector (host); with shared_params only params[0] is read
  // and every group uses it. labels (classification) or targets (regression) per column.
  void grouped_loss_and_gradients(const float* const* params, bool shared_params, int groups, Index group_size,
                                  const float* x, const std::int32_t* labels, const float* targets,
                                  float* const* grads, float* losses);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtsim::kernels::cuda
