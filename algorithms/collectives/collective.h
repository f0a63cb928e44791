// An allreduce algorithm: sums a message over a group of endpoints, leaving the sum on every member,
// and states its alpha-beta closed form so tests can hold the simulation to it.
#pragma once
#include <vector>

#include "sim/rank_context.h"
#include "sim/registry.h"

namespace dtsim {

class Collective {
 public:
  virtual ~Collective() = default;
  // `group` lists endpoint ids in ring/tree order; ctx.rank() must be in it.
  virtual void allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const = 0;
  // Closed-form time for p ranks and n bytes per rank; alpha = path latency, beta = s/byte.
  virtual double closed_form(int p, double n, double alpha, double beta) const = 0;
};

using CollectiveRegistry = Registry<Collective>;

// Position of `endpoint` in `group` (throws if absent).
int index_in_group(const std::vector<int>& group, int endpoint);

}  // namespace dtsim
