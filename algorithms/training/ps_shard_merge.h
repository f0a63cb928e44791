// Symmetric parameter-server shards simulated as one server (network.fidelity "fast").
//
// k shards of one model on k dedicated servers with identical links, every worker posting its k
// pushes at one instant and its k pulls at one instant: each server sees the same flows at the same
// times. Max-min sharing is unique, so it is symmetric too: worker w's k flows get one rate r_w, under
//   each server's link:   sum_w r_w <= B        worker w's link:   k r_w <= B,
// which are exactly the constraints of one flow per worker at R_w = k r_w to a single server whose
// link is k B wide (sum_w R_w <= k B, R_w <= B), over routes with the same latencies. The flows end
// at the same instants, so the run is simulated with one server of k times the link bandwidth and
// 1/k of the transfers (at 8 shards, 2 messages per worker per iteration instead of 16): the
// algorithm reports one server standing for k shards (TrainingAlgorithm::shards_per_server) and the
// engine widens that server's links (sim/engine/server_links.h). The shards
// must be of equal size: with a gradient not divisible by k (some shards a byte larger) the largest
// ends last, p bytes x beta after the merged flow, and an asynchronous run carries that from round to
// round (measured: 1e-7 s after 2.4 s at 16 workers, 3 shards).
//
// It applies only where the symmetry is provable and the outputs cannot tell: see shard_merge_blocker.
// The "step" fidelity never merges: it stays the message-by-message reference the merge is tested
// against.
#pragma once
#include <string>

#include "sim/scenario/scenario.h"

namespace dtsim {

// Why `shards` dedicated shards of scenario `s` cannot be simulated as one server ("" : they can).
// The algorithm adds its own conditions (the plain exchange, no backup workers).
std::string shard_merge_blocker(const Scenario& s, int shards);

}  // namespace dtsim
