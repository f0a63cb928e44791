// The "analytic" fidelity: where every collective's simulated time is provably its alpha-beta closed
// form (a contention-free fabric, the exact network model, no rank perturbed, one collective at a time
// over all ranks), a collective charges that time with one wait after a zero-cost meeting of its
// members instead of simulating flows. Same iteration times as "fast" (tested to 1e-6), with no
// transfer, mailbox or max-min solve per message. The compute before it runs under RankContext::Lockstep,
// so a rank blocks once per iteration (fast::meet_and_wait: the last member sleeps for everybody).
//
// What it does not keep: the breakdown's transfer spans and bytes (comm_time_s, exposed_comm_time_s
// and the tiers' busy time and bytes are 0; the collective's wall span and the compute time remain).
#pragma once
#include <string>

#include "sim/scenario/scenario.h"

namespace dtsim {

// Why collective `collective` (a CollectiveRegistry name) cannot run analytically over all ranks of
// scenario `s` ("" : it can). Covers the platform (topology, network model, links), perturbations
// (stragglers, jitter, failures, overlap slowdown) and the collective's own blocker.
std::string collective_analytic_blocker(const Scenario& s, const std::string& collective);

// Why scenario `s`'s platform or perturbations keep any exchange from its closed form ("" : nothing):
// the part of collective_analytic_blocker that is not the collective's own (also used by algorithms
// with closed forms of their own, such as the synchronous parameter server).
std::string platform_analytic_blocker(const Scenario& s);

}  // namespace dtsim
