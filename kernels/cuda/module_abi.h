#pragma once
// The C interface between dtsim and its CUDA module (libdtsim_cuda.so, loaded with dlopen only when a
// scenario asks for backend "cuda"), so that the dtsim binary itself links no CUDA library and runs on
// machines without one. Plain C types only: no exception or C++ object crosses the boundary.
#include <stddef.h>
#include <stdint.h>

// Bumped whenever this table changes; the loader refuses a module built against another one.
#define DTSIM_CUDA_MODULE_ABI 1
// The one symbol the module exports.
#define DTSIM_CUDA_MODULE_ENTRY "dtsim_cuda_module_api"

extern "C" {

struct DtsimCudaModuleApi {
  int abi;  // DTSIM_CUDA_MODULE_ABI of the module
  // Number of usable devices (0 on any error); writes a one-line description into message.
  int (*device_count)(char* message, size_t message_size);
  // A network for the layout sizes[0..count) (input, hidden..., output), bias 0/1, loss as
  // dtsim::kernels::Loss; NULL on failure, with the reason in error.
  void* (*network_create)(const ptrdiff_t* sizes, int count, int bias, int loss, char* error, size_t error_size);
  void (*network_destroy)(void* network);
  // dtsim::kernels::cuda::DenseNetworkGpu::grouped_loss_and_gradients; 0 on success, else non-zero
  // with the reason in error.
  int (*grouped_loss_and_gradients)(void* network, const float* const* params, int shared_params, int groups,
                                    ptrdiff_t group_size, const float* x, const int32_t* labels,
                                    const float* targets, float* const* grads, float* losses, char* error,
                                    size_t error_size);
};

typedef const DtsimCudaModuleApi* (*DtsimCudaModuleEntry)(void);
}
