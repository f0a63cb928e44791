// The CUDA module's one exported symbol: the C table of module_abi.h over the GPU network. Every
// exception is caught here and returned as text, so none crosses into dtsim.
#include <cstdio>
#include <exception>
#include <string>

#include "kernels/cuda/gpu_network.cuh"
#include "kernels/cuda/module_abi.h"

namespace dtsim::kernels::cuda::module {
namespace {

void copy_text(const std::string& text, char* out, size_t size) {
  if (size > 0) std::snprintf(out, size, "%s", text.c_str());
}

int device_count(char* message, size_t size) {
  const Probe p = probe();
  copy_text(p.message, message, size);
  return p.device_count;
}

void* network_create(const ptrdiff_t* sizes, int count, int bias, int loss, char* error, size_t size) {
  try {
    DenseLayout layout;
    layout.sizes.assign(sizes, sizes + count);
    layout.bias = bias != 0;
    layout.loss = static_cast<Loss>(loss);
    return new GpuNetwork(layout);
  } catch (const std::exception& e) {
    copy_text(e.what(), error, size);
    return nullptr;
  }
}

void network_destroy(void* network) { delete static_cast<GpuNetwork*>(network); }

int grouped_loss_and_gradients(void* network, const float* const* params, int shared, int groups,
                               ptrdiff_t group_size, const float* x, const int32_t* labels, const float* targets,
                               float* const* grads, float* losses, char* error, size_t size) {
  try {
    static_cast<GpuNetwork*>(network)->grouped_loss_and_gradients(params, shared != 0, groups, group_size, x, labels,
                                                                  targets, grads, losses);
    return 0;
  } catch (const std::exception& e) {
    copy_text(e.what(), error, size);
    return 1;
  }
}

const DtsimCudaModuleApi kApi = {DTSIM_CUDA_MODULE_ABI, device_count, network_create, network_destroy,
                                 grouped_loss_and_gradients};

}  // namespace
}  // namespace dtsim::kernels::cuda::module

// Everything else in the module is built with hidden visibility (kernels/CMakeLists.txt).
extern "C" __attribute__((visibility("default"))) const DtsimCudaModuleApi* dtsim_cuda_module_api() {
  return &dtsim::kernels::cuda::module::kApi;
}
