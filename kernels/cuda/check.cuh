#pragma once
// Error checks that turn CUDA / cuBLAS failures into exceptions naming the call.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define DTSIM_CUDA_CHECK(call)                                                                          \
  do {                                                                                                  \
    const cudaError_t dtsim_err = (call);                                                               \
    if (dtsim_err != cudaSuccess)                                                                       \
      throw std::runtime_error(std::string(#call) + " failed: " + cudaGetErrorString(dtsim_err));       \
  } while (0)

#define DTSIM_CUBLAS_CHECK(call)                                                                        \
  do {                                                                                                  \
    const cublasStatus_t dtsim_st = (call);                                                             \
    if (dtsim_st != CUBLAS_STATUS_SUCCESS)                                                              \
      throw std::runtime_error(std::string(#call) + " failed with cuBLAS status " +                     \
                               std::to_string(static_cast<int>(dtsim_st)));                             \
  } while (0)
