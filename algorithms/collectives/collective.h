// An allreduce algorithm: sums a message over a group of endpoints, leaving the sum on every member,
// and states its alpha-beta closed form so tests can hold the simulation to it.
//
// Two fidelities (network.fidelity): "step" runs the algorithm message by message as a real library
// does; "fast" aggregates the messages a pair exchanges within one phase into one flow and charges
// the hidden per-message latencies by waiting (algorithms/collectives/fast.h). Algorithms whose
// pairs already exchange one message per phase (recursive halving/doubling, direct, binomial) run the
// same in both. A third, "analytic" (analytic.h), charges each collective its exact alpha-beta time
// without a message where the fabric cannot contend and no rank is perturbed.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/engine/rank_context.h"
#include "sim/base/registry.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

enum class Fidelity { Step, Fast, Analytic };
// "step", "fast" or "analytic" (throws on anything else; "auto" is resolved when the scenario is read).
Fidelity parse_fidelity(const std::string& name);
const char* fidelity_name(Fidelity f);

// The scenario's network.fidelity.
inline Fidelity scenario_fidelity(const Scenario& s) { return parse_fidelity(s.network.fidelity); }

// Platform parameters of a closed form. alpha, beta: the route between two ranks (on multi-GPU
// machines: between GPUs of different machines, beta being the NIC's). alpha_local, beta_local: the
// route between two GPUs of one machine (hierarchical algorithms only).
struct CostModel {
  int p = 1;
  double n = 0;  // bytes per rank
  double alpha = 0, beta = 0;
  int gpus_per_node = 1;
  int nics_per_node = 1;  // GPUs gpus_per_node / nics_per_node share each NIC
  double alpha_local = 0, beta_local = 0;
  // Multi-GPU machines whose GPUs reach their NIC over a path of their own (NVLink machines), not
  // over the link that carries their traffic to the machine's other GPUs (PCIe machines).
  bool gpus_own_nic_path = false;
};

class Collective {
 public:
  static constexpr const char* family = "collective";  // /algorithm/collective
  virtual ~Collective() = default;
  // `group` lists endpoint ids in ring/tree order; ctx.rank() must be in it. Runs run_allreduce
  // inside the collective's span on the rank's communication track (trace.json).
  void allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const;
  // Closed-form time for p ranks and n bytes per rank; alpha = path latency, beta = s/byte.
  virtual double closed_form(int p, double n, double alpha, double beta) const = 0;
  // The same on machines with several GPUs (defaults to the flat form; hierarchical overrides).
  virtual double closed_form_on(const CostModel& m) const { return closed_form(m.p, m.n, m.alpha, m.beta); }

  // Analytic fidelity: why this algorithm's closed form is not its exact simulated time on platform `m`
  // ("" : it is). Flat algorithms are exact on one GPU per machine (every hop the same alpha, beta).
  virtual std::string analytic_blocker(const CostModel& m) const;
  // Analytic fidelity: simulated seconds from the moment the last member enters until member `me`
  // leaves, as the fast fidelity would give with equal entry times (the closed form by default).
  virtual double analytic_time(const CostModel& m, const Message& data, int me) const;

  // Whether allreduce over `group` is charged its closed form by one meeting (the analytic fidelity):
  // a compute just before it may then run under RankContext::Lockstep.
  bool runs_analytic(const RankContext& ctx, const std::vector<int>& group) const;

  // Fidelity: set explicitly, else the scenario's network.fidelity.
  void set_fidelity(Fidelity f) { fidelity_ = f; }
  Fidelity fidelity(const RankContext& ctx) const { return fidelity_ ? *fidelity_ : scenario_fidelity(ctx.scenario()); }

  // The name it was registered under (set by Registry::create; the trace's "algorithm").
  void set_registered_name(std::string name) { name_ = std::move(name); }
  const std::string& registered_name() const { return name_; }

 protected:
  // Under the analytic fidelity: meets the group (values summed, in group order, as fast does), waits
  // analytic_time and returns true; otherwise false and the algorithm runs (called by allreduce()).
  bool run_analytic(RankContext& ctx, const std::vector<int>& group, Message& data) const;
  virtual void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const = 0;

 private:
  std::optional<Fidelity> fidelity_;
  std::string name_ = "unnamed";
};

using CollectiveRegistry = Registry<Collective>;

// Position of `endpoint` in `group` (throws if absent).
int index_in_group(const std::vector<int>& group, int endpoint);

// floor(log2 p) and the largest power of two <= p (p >= 1); ceil(log2 p).
int floor_log2(int p);
int ceil_log2(int p);

}  // namespace dtsim
