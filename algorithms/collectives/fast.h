// Support for the "fast" fidelity: one aggregated flow per communicating pair and phase, with the
// per-message latencies that the aggregation hides charged by a wait, and a zero-cost meeting point
// through which the members of a collective exchange real values (with numerics) and which keeps
// causality: no member leaves a collective before every member has entered it.
#pragma once
#include <memory>
#include <vector>

#include "sim/engine/rank_context.h"

namespace dtsim::fast {

// Path latency in seconds between two endpoints as SimGrid's network model charges it: the route's
// summed link latencies times the model's latency factor (1 under the exact model).
double route_latency(const RankContext& ctx, int from, int to);

// Waits `seconds` of simulated time for per-message latencies hidden by aggregation (inside the
// collective's wall span, though not a transfer).
void latency_wait(RankContext& ctx, double seconds);

// Each member of `group` deposits `mine`; returns once every member has deposited (no simulated time
// is charged beyond waiting for the last member), with all deposits in group order.
class Meeting {
 public:
  std::vector<std::vector<float>> contributions;
  // Element-wise sum of all contributions in group order (computed once, shared by all members).
  const std::vector<float>& sum();

 private:
  std::vector<float> sum_;
  bool summed_ = false;
};
std::shared_ptr<Meeting> meet(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine);

}  // namespace dtsim::fast
