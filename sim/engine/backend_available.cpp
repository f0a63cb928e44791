#include "sim/engine/backend_available.h"

#include "kernels/cuda/cuda_backend.h"

namespace dtsim {

std::string backend_unavailable(const Scenario& scenario) {
  const NumericsSpec& n = scenario.workload.numerics;
  if (!n.enabled || n.replica.backend != kernels::Backend::cuda) return "";
  const kernels::cuda::DeviceStatus status = kernels::cuda::device_status();
  if (status.usable()) return "";
  return "/workload/backend: \"cuda\" cannot run on this machine: " + status.message +
         "; use \"cpu\", or \"auto\" to use a GPU only where one is usable";
}

}  // namespace dtsim
