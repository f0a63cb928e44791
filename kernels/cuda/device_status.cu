// Device discovery that never throws: a build machine without a GPU (or driver) is normal.
#include <cuda_runtime.h>

#include "kernels/cuda/gpu_network.cuh"

namespace dtsim::kernels::cuda::module {

Probe probe() {
  Probe s;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the error so later calls start clean
    s.message = std::string("no CUDA device: ") + cudaGetErrorString(err);
    return s;
  }
  if (count == 0) {
    s.message = "no CUDA device: cudaGetDeviceCount returned 0";
    return s;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
    s.message = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ")";
  else
    s.message = std::to_string(count) + " CUDA device(s)";
  s.device_count = count;
  return s;
}

}  // namespace dtsim::kernels::cuda::module
