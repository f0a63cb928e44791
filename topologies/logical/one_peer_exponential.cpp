// One-peer exponential graph (time-varying): at round k rank i sends to i + 2^(k mod tau) and
// receives from i - 2^(k mod tau), tau = ceil(log2 n); W(k) = (I + P^(2^(k mod tau)))/2 with P
// the cyclic shift. For n = 2^tau the product of tau consecutive rounds is exactly 11^T/n.
#include "topologies/logical/bits.h"
#include "topologies/logical/registry.h"

namespace dtsim::logical {
namespace {

Topology make_one_peer_exponential(int n, const Params& params) {
  const int tau = ceil_log2(n);
  std::vector<Graph> rounds;
  for (int k = 0; k < tau; ++k) {
    Arcs arcs;
    for (int i = 0; i < n; ++i) arcs.emplace_back(i, static_cast<int>((i + (1LL << k)) % n));
    rounds.push_back(weigh(n, normalized(n, arcs), params.weighting));
  }
  if (rounds.empty()) rounds.push_back(weigh(n, {}, params.weighting));  // n = 1
  const Weighting w = params.weighting == Weighting::Default ? Weighting::Uniform : params.weighting;
  return Topology("one_peer_exponential", std::move(rounds), w);
}

[[maybe_unused]] const bool registered_one_peer_exponential = register_topology(
    {"one_peer_exponential",
     "time-varying: at round k rank i sends only to i + 2^(k mod tau), tau = ceil(log2 n)", {},
     &make_one_peer_exponential});

}  // namespace
}  // namespace dtsim::logical
