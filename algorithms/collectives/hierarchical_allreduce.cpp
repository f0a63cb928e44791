// Hierarchical allreduce (Goyal et al. 2017; NCCL/Horovod hierarchical): with g GPUs per machine and
// ranks machine-major (ctx.scenario().cluster.gpus_per_node),
//   1. intra-node ring reduce-scatter over NVLink/PCIe: GPU i of a machine owns 1/g of the machine's sum;
//   2. inter-node allreduce of that 1/g among the GPUs with the same local index on every machine,
//      with any flat algorithm ("hierarchical_<inner>"; "hierarchical" uses ring);
//   3. intra-node ring allgather.
// Cost with N machines: 2 (g-1)(alpha_l + n/g beta_l) + inner(N, n/g, alpha, max(beta_l, g beta)),
// where alpha_l, beta_l are the GPU-to-GPU route inside a machine, alpha the GPU-to-GPU route across
// machines and beta the NIC's: the g concurrent inner allreduces share each machine's NIC (with k NICs
// per machine, g/k share each: max(beta_l, (g/k) beta)).
// Groups whose members do not split into whole machines run the inner algorithm flat.
#include <map>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/operations.h"

namespace dtsim {
namespace {

class HierarchicalAllreduce : public Collective {
 public:
  explicit HierarchicalAllreduce(std::string inner) : inner_name_(std::move(inner)) {}

  void allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    if (run_analytic(ctx, group, data)) return;  // analytic fidelity: its closed form (analytic.h)
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    Collective& in = inner(ctx);
    const int g = std::max(1, ctx.scenario().cluster.gpus_per_node);
    std::map<int, std::vector<int>> machines;  // machine -> members in group order
    for (int e : group) machines[e < ctx.size() ? e / g : ctx.size() + e].push_back(e);
    const std::size_t local_size = machines.begin()->second.size();
    bool uniform = true;
    for (const auto& m : machines) uniform = uniform && m.second.size() == local_size;
    if (!uniform || local_size == 1 || machines.size() == 1) {
      if (machines.size() == 1 && uniform) {  // one machine: intra-node ring only
        reduce_scatter_ring(ctx, group, data, fidelity(ctx));
        allgather_ring(ctx, group, data, fidelity(ctx));
      } else {
        in.allreduce(ctx, group, data);
      }
      return;
    }
    const int mine = ctx.rank() < ctx.size() ? ctx.rank() / g : ctx.size() + ctx.rank();
    const std::vector<int>& local = machines[mine];
    const int local_index = index_in_group(local, ctx.rank());
    std::vector<int> cross;  // same local index on every machine, machines in group order
    for (int e : group) {
      const int m = e < ctx.size() ? e / g : ctx.size() + e;
      if (machines[m][local_index] == e) cross.push_back(e);
    }
    reduce_scatter_ring(ctx, local, data, fidelity(ctx));
    const Chunks chunks(data, static_cast<int>(local.size()));
    Message part = chunks.extract(data, local_index);
    in.allreduce(ctx, cross, part);
    chunks.assign(data, local_index, part);
    allgather_ring(ctx, local, data, fidelity(ctx));
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return inner_form().closed_form(p, n, alpha, beta);  // one GPU per machine
  }

  // With a ring between machines, exact on machines of any size: each ring crosses one kind of hop.
  std::string analytic_blocker(const CostModel& m) const override {
    if (inner_name_ != "ring") return "its inner \"" + inner_name_ + "\" closed form assumes equal chunks";
    return m.gpus_per_node <= 1 ? inner_form().analytic_blocker(m) : "";
  }

  double closed_form_on(const CostModel& m) const override {
    const int g = m.gpus_per_node;
    if (g <= 1) return closed_form(m.p, m.n, m.alpha, m.beta);
    const int machines = m.p / g;
    double t = reduce_scatter_ring_time(g, m.n, m.alpha_local, m.beta_local) +
               allgather_ring_time(g, m.n, m.alpha_local, m.beta_local);
    const int sharing = std::max(1, g / std::max(1, m.nics_per_node));  // inner allreduces per NIC
    if (machines > 1)
      t += inner_form().closed_form(machines, m.n / g, m.alpha, std::max(m.beta_local, sharing * m.beta));
    return t;
  }

 private:
  Collective& inner(const RankContext& ctx) const {
    if (!inner_) inner_ = CollectiveRegistry::create(inner_name_);
    inner_->set_fidelity(fidelity(ctx));
    return *inner_;
  }
  const Collective& inner_form() const {
    if (!inner_) inner_ = CollectiveRegistry::create(inner_name_);
    return *inner_;
  }

  std::string inner_name_;
  mutable std::unique_ptr<Collective> inner_;  // shared by the ranks of one run
};

const bool registered = [] {
  CollectiveRegistry::add({"hierarchical", "intra-machine reduce-scatter, inter-machine ring, intra-machine allgather "
                                           "(Goyal et al. 2017)", {}},
                          [](const OptionValues&) { return std::make_unique<HierarchicalAllreduce>("ring"); });
  for (const char* inner : {"ring", "rabenseifner", "recursive_doubling", "binary_tree", "double_binary_tree",
                            "direct", "reduce_broadcast"}) {
    const std::string name = inner;
    CollectiveRegistry::add({"hierarchical_" + name, "hierarchical allreduce with " + name + " between machines", {}},
                            [name](const OptionValues&) { return std::make_unique<HierarchicalAllreduce>(name); });
  }
  return true;
}();

}  // namespace
}  // namespace dtsim
