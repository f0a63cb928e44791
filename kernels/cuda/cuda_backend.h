#pragma once
// The CUDA backend as seen from plain C++ (no CUDA headers): device discovery and a dense
// network's grouped loss + gradients on the GPU. The GPU code is a separate module,
// libdtsim_cuda.so (built from kernels/cuda/*.cu when nvcc is found; DTSIM_HAVE_CUDA=1 then), that
// cuda_loader.cpp loads with dlopen on first use: dtsim itself links no CUDA library.
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/dense_layout.h"

namespace dtsim::kernels::cuda {

struct DeviceStatus {
  bool loaded = false;   // the CUDA module was found and loaded
  int device_count = 0;  // cudaGetDeviceCount, 0 on any error
  std::string message;   // e.g. "no CUDA device: ...", "NVIDIA H100 (sm_90)" or why the module did not load
  bool usable() const { return loaded && device_count > 0; }
};

// Never throws; safe to call on machines without a driver. Loads the module on the first call.
DeviceStatus device_status();

// Where the module is looked for, in order: $DTSIM_CUDA_MODULE (a file; then nowhere else), else
// libdtsim_cuda.so next to the running program (the build tree), then in ../lib/dtsim from it (an install).
std::vector<std::string> module_candidates();

// Holds cuBLAS handle and device buffers (grown on demand) for one network layout.
class DenseNetworkGpu {
 public:
  explicit DenseNetworkGpu(const DenseLayout& layout);  // throws std::runtime_error unless usable()
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
  void* network_ = nullptr;  // owned by the module
};

}  // namespace dtsim::kernels::cuda
