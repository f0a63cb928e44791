#include "algorithms/training/ps_shard_merge.h"

#include <cmath>

#include "sim/engine/network_tiers.h"

namespace dtsim {

std::string shard_merge_blocker(const Scenario& s, int shards) {
  const NetworkSpec& net = s.network;
  if (net.fidelity != "fast") return "network.fidelity is \"" + net.fidelity + "\" (the merge is a \"fast\" shortcut)";
  if (shards < 2) return "one shard";
  if (s.cluster.nodes < 2) return "one worker machine";
  // Equal shards (Chunks gives the first units % k shards one byte more): with unequal ones the largest
  // ends last, and an asynchronous run carries the difference from one round to the next.
  if (std::llround(s.workload.message_bytes()) % shards != 0)
    return "the gradient's bytes are not a multiple of the shards (unequal shards)";
  // Each server its own link to one switch: identical servers, no fabric link shared between them.
  if (net.topology != "switch") return "topology \"" + net.topology + "\" may treat servers differently";
  // A per-message factor or a TCP window bound applies per flow: k flows are not one flow k times wider.
  if (!tier_model(net, NetworkTier::InterNode).exact() || !tier_model(net, NetworkTier::IntraNode).exact())
    return "the network model is not exact (per-flow factors)";
  if (s.stragglers.jitter_sigma > 0) return "network jitter redraws each server's link on its own";
  if (s.failures.any() || s.run.recovery.enabled()) return "failures or run.recovery act on single shards";
  if (s.workload.overlap_slowdown > 0) return "workload.overlap_slowdown watches each transfer";
  if (s.workload.numerics.enabled) return "real values are kept per shard";
  if (s.output.links || s.output.trace) return "links.csv and trace.json show every server's link and transfers";
  return "";
}

}  // namespace dtsim
