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

// A fast ring phase's transfers: one aggregated flow of `bytes` to the successor `next` and one from
// the predecessor `prev`, both waited for (the hidden latencies are the caller's to wait).
void ring_flows(RankContext& ctx, int next, int prev, double bytes);

// Whether the fast ring over `group` sends both of its phases as one flow: where every flow starts at
// the same instant and keeps its rate to the end, so that the meeting between the phases holds nobody
// and one flow of both phases' bytes with the same latencies gives the same times with half the
// simulation calls per rank. That is the analytic fidelity's platform (one non-blocking "switch", no
// link overrides, the exact network model, no rank perturbed, no overlap slowdown, no failures) with
// either one GPU per machine (a ring's flows then share no link) or a group with one member per
// machine (the hierarchical allreduce's inner rings: the g rings through each NIC start together and
// share it evenly from start to end). With stragglers a rank's incoming and outgoing flows start at
// different instants, and the two phases' transfer spans and waits differ from one flow's.
bool ring_platform_allows_one_flow(const Scenario& s);
bool ring_sends_one_flow(const RankContext& ctx, const std::vector<int>& group);

// Waits `seconds` of simulated time for per-message latencies hidden by aggregation (inside the
// collective's wall span, though not a transfer).
void latency_wait(RankContext& ctx, double seconds);

// Each member of `group` deposits `mine`; returns once every member has deposited (no simulated time
// is charged beyond waiting for the last member), with all deposits in group order.
class Meeting {
 public:
  std::vector<std::vector<float>> contributions;
  // meet_and_wait only: the latest member's arrival (its now()) and the least of the members' waits.
  double latest_arrival = -1;
  double least_wait = -1;
  // meet_after only: the latest end of a member's wait, the wait that gives it and when it began.
  double latest_ready = -1, latest_ready_wait = 0, latest_ready_from = 0;
  // Element-wise sum of all contributions in group order (computed once, shared by all members).
  const std::vector<float>& sum();
  // The sum of each block's sum, blocks in the given order, each summed over its contribution indices
  // in order (what a machine-by-machine reduction gives, bit for bit); computed once, shared. The
  // blocks must be the same for every member that asks. Empty when the contributions are.
  const std::vector<float>& sum_of_block_sums(const std::vector<std::vector<int>>& blocks);

 private:
  std::vector<float> sum_;
  bool summed_ = false;
  std::vector<float> block_sums_;
  bool block_summed_ = false;
};
std::shared_ptr<Meeting> meet(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine);

// What latency_wait(ctx, seconds) and then meet() give, with one blocking call for all members but the
// last: every member is released when the last of their waits (from their own arrival) ends. The last
// member to arrive sleeps until then; when its own wait ends last (every member waiting as long: a
// uniform route), it sleeps exactly `seconds`, so the times are those of the two calls bit for bit.
std::shared_ptr<Meeting> meet_after(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine,
                                    double seconds);

// The analytic fidelity's collective with one blocking call per member: meets the group as meet() does,
// then returns at the latest member's arrival plus `seconds` (this member's closed-form time). The
// member that completes the meeting sleeps for everybody, the least of the members' `seconds`, then
// releases them; a member whose own `seconds` is longer by SimGrid's timing precision or more sleeps the
// rest itself (shorter differences are dropped: under 1 ns per collective). Arrival is ctx.now(), which
// under RankContext::Lockstep includes compute charged ahead of the engine's clock. The member's
// communication spans its wait, from the latest arrival (RankContext::communicated).
std::shared_ptr<Meeting> meet_and_wait(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine,
                                       double seconds);

}  // namespace dtsim::fast
