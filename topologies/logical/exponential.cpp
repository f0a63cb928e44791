// Static exponential graph (BlueFog's ExponentialTwoGraph): rank i sends to i + 2^k (mod n)
// for k < tau = ceil(log2 n), and receives from i - 2^k. W(i, i-2^k) = W(i,i) = 1/(tau+1):
// circulant, hence doubly stochastic; for even n, rho = 1 - 2/(1 + tau).
#include "topologies/logical/bits.h"
#include "topologies/logical/registry.h"

namespace dtsim::logical {
namespace {

Topology make_exponential(int n, const Params& params) {
  Arcs arcs;
  for (int i = 0; i < n; ++i)
    for (long long hop = 1; hop < n; hop <<= 1)
      arcs.emplace_back(i, static_cast<int>((i + hop) % n));
  return from_arcs("exponential", n, arcs, params.weighting);
}

[[maybe_unused]] const bool registered_exponential = register_topology(
    {"exponential", "static exponential: rank i sends to i + 2^k, k < ceil(log2 n)", {},
     &make_exponential});

}  // namespace
}  // namespace dtsim::logical
