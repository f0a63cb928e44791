#pragma once
// Inside the CUDA module only: the device probe and the GPU dense network that module_entry.cu
// exposes through the C table of module_abi.h.
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/dense_layout.h"

namespace dtsim::kernels::cuda::module {

struct Probe {
  int device_count = 0;  // cudaGetDeviceCount, 0 on any error
  std::string message;   // e.g. "no CUDA device: ..." or "NVIDIA H100 (sm_90)"
};
Probe probe();  // never throws

// Holds a cuBLAS handle and device buffers (grown on demand) for one network layout.
class GpuNetwork {
 public:
  explicit GpuNetwork(const DenseLayout& layout);  // throws std::runtime_error without a device
  ~GpuNetwork();
  GpuNetwork(const GpuNetwork&) = delete;
  GpuNetwork& operator=(const GpuNetwork&) = delete;
  // See dtsim::kernels::cuda::DenseNetworkGpu::grouped_loss_and_gradients.
  void grouped_loss_and_gradients(const float* const* params, bool shared_params, int groups, Index group_size,
                                  const float* x, const std::int32_t* labels, const float* targets,
                                  float* const* grads, float* losses);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtsim::kernels::cuda::module
