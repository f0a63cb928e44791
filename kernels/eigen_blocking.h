#pragma once
// Eigen cuts a large matrix product into blocks whose sizes it derives, at run time, from the CPU's
// cache sizes (CPUID). The block depth decides where a dot product's running sum is split, so the
// same product, compiled the same way, rounded differently on a 32 KiB-L1 AMD EPYC and on a
// 48 KiB-L1 machine: losses and accuracies differed in the last bits from host to host.
// Pinning the cache sizes Eigen plans with makes every host sum in the same order.
namespace dtsim::kernels {

// The cache sizes every dtsim process plans its products with (bytes).
struct EigenBlockingCaches {
  long l1, l2, l3;
};
EigenBlockingCaches pinned_eigen_caches();

// Idempotent and thread-safe; called before the first product by every model and solver.
void pin_eigen_blocking();

}  // namespace dtsim::kernels
