// Compiled instead of the .cu files when CUDA is not built in.
#include <stdexcept>

#include "kernels/cuda/cuda_backend.h"

namespace dtsim::kernels::cuda {

DeviceStatus device_status() {
  DeviceStatus s;
  s.message = "dtsim was built without CUDA (nvcc not found or DTSIM_CUDA=OFF)";
  return s;
}

struct DenseNetworkGpu::Impl {};

DenseNetworkGpu::DenseNetworkGpu(const DenseLayout&) { throw std::runtime_error(device_status().message); }
DenseNetworkGpu::~DenseNetworkGpu() = default;

void DenseNetworkGpu::grouped_loss_and_gradients(const float* const*, bool, int, Index, const float*,
                                                 const std::int32_t*, const float*, float* const*, float*) {
  throw std::runtime_error(device_status().message);
}

}  // namespace dtsim::kernels::cuda
