// dtsim's side of the CUDA backend: finds libdtsim_cuda.so, loads it with dlopen on first use and
// forwards to its C table (module_abi.h). Loading only on demand keeps the dtsim binary free of
// CUDA libraries (`ldd dtsim` lists none), so one binary runs where no CUDA runtime is installed.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/module_abi.h"

// Where `cmake --install` puts the module, relative to the installed binary (kernels/CMakeLists.txt).
#ifndef DTSIM_CUDA_MODULE_DIR_FROM_BIN
#define DTSIM_CUDA_MODULE_DIR_FROM_BIN "../lib/dtsim"
#endif

namespace dtsim::kernels::cuda {
namespace {

constexpr const char* kModuleFile = "libdtsim_cuda.so";

struct LoadedModule {
  const DtsimCudaModuleApi* api = nullptr;  // null when not loaded
  std::string error;                        // why not
};

LoadedModule load_module() {
  LoadedModule m;
  const std::vector<std::string> candidates = module_candidates();
  std::string looked;
  for (const std::string& path : candidates) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      looked += (looked.empty() ? "" : ", ") + path;
      continue;
    }
    // The module stays loaded until exit: its handle is never closed.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      m.error = "cannot load the CUDA module " + path + ": " + (why ? why : "unknown dlopen error");
      return m;
    }
    auto entry = reinterpret_cast<DtsimCudaModuleEntry>(::dlsym(handle, DTSIM_CUDA_MODULE_ENTRY));
    const DtsimCudaModuleApi* api = entry ? entry() : nullptr;
    if (!api || api->abi != DTSIM_CUDA_MODULE_ABI) {
      m.error = "the CUDA module " + path + " does not match this dtsim (interface " +
                (api ? std::to_string(api->abi) : std::string("missing")) + ", expected " +
                std::to_string(DTSIM_CUDA_MODULE_ABI) + "); rebuild it with this dtsim";
      return m;
    }
    m.api = api;
    return m;
  }
  m.error = std::string("the CUDA module ") + kModuleFile + " was not found (looked for " + looked +
            "); it is built with dtsim (target dtsim_cuda) when nvcc is found at configure time";
  return m;
}

const LoadedModule& module() {
  static const LoadedModule m = load_module();
  return m;
}

const DtsimCudaModuleApi& usable_api() {
  const DeviceStatus s = device_status();
  if (!s.usable()) throw std::runtime_error(s.message);
  return *module().api;
}

}  // namespace

std::vector<std::string> module_candidates() {
  if (const char* env = std::getenv("DTSIM_CUDA_MODULE"); env && *env) return {env};
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path dir = exe.parent_path();
  return {(dir / kModuleFile).string(),
          (dir / DTSIM_CUDA_MODULE_DIR_FROM_BIN / kModuleFile).lexically_normal().string()};
}

DeviceStatus device_status() {
  DeviceStatus s;
  const LoadedModule& m = module();
  if (!m.api) {
    s.message = m.error;
    return s;
  }
  s.loaded = true;
  char message[512] = "";
  s.device_count = m.api->device_count(message, sizeof message);
  s.message = message;
  return s;
}

DenseNetworkGpu::DenseNetworkGpu(const DenseLayout& layout) {
  const DtsimCudaModuleApi& api = usable_api();
  const std::vector<std::ptrdiff_t> sizes(layout.sizes.begin(), layout.sizes.end());
  char error[512] = "";
  network_ = api.network_create(sizes.data(), static_cast<int>(sizes.size()), layout.bias ? 1 : 0,
                                static_cast<int>(layout.loss), error, sizeof error);
  if (!network_) throw std::runtime_error(error);
}

DenseNetworkGpu::~DenseNetworkGpu() {
  if (network_) module().api->network_destroy(network_);
}

void DenseNetworkGpu::grouped_loss_and_gradients(const float* const* params, bool shared_params, int groups,
                                                 Index group_size, const float* x, const std::int32_t* labels,
                                                 const float* targets, float* const* grads, float* losses) {
  char error[512] = "";
  if (module().api->grouped_loss_and_gradients(network_, params, shared_params ? 1 : 0, groups, group_size, x,
                                               labels, targets, grads, losses, error, sizeof error) != 0)
    throw std::runtime_error(error);
}

}  // namespace dtsim::kernels::cuda
