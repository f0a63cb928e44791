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
#include <memory>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/group_cache.h"
#include "algorithms/collectives/operations.h"

namespace dtsim {
namespace {

class HierarchicalAllreduce : public Collective {
 public:
  explicit HierarchicalAllreduce(std::string inner) : inner_name_(std::move(inner)) {}

  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    Collective& in = inner(ctx);
    const std::shared_ptr<const Layout> held = layout_of(ctx, group);  // kept while this rank runs
    const Layout& layout = *held;
    if (layout.shape == Shape::OneMachine) {  // intra-node ring only
      reduce_scatter_ring(ctx, group, data, fidelity(ctx));
      allgather_ring(ctx, group, data, fidelity(ctx));
      return;
    }
    if (layout.shape == Shape::Flat) {
      in.allreduce(ctx, group, data);
      return;
    }
    const Layout::Place& place = layout.places.at(static_cast<std::size_t>(ctx.rank()));
    const std::vector<int>& local = layout.machines[static_cast<std::size_t>(place.machine)];
    reduce_scatter_ring(ctx, local, data, fidelity(ctx));
    const Chunks chunks(data, static_cast<int>(local.size()));
    Message part = chunks.extract(data, place.local_index);
    in.allreduce(ctx, layout.crosses[static_cast<std::size_t>(place.local_index)], part);
    chunks.assign(data, place.local_index, part);
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

  enum class Shape { Hierarchical, OneMachine, Flat };
  // How a group splits into machines. Built once per group and shared by its ranks: building it on
  // every call of every rank cost O(p^2 log p) per iteration (14x the flat ring at 4096 ranks).
  struct Layout {
    struct Place {
      int machine = -1;      // index into machines
      int local_index = -1;  // position among the machine's members
    };
    Shape shape = Shape::Flat;
    std::vector<std::vector<int>> machines;  // members of each machine, in group order
    std::vector<std::vector<int>> crosses;   // per local index: that member of every machine, in group order
    std::vector<Place> places;               // per endpoint id (unused ids: machine -1)
  };

  std::shared_ptr<const Layout> layout_of(const RankContext& ctx, const std::vector<int>& group) const {
    return layouts_.get(group, [&](const std::vector<int>& members) { return make_layout(ctx, members); });
  }

  static Layout make_layout(const RankContext& ctx, const std::vector<int>& group) {
    const int g = std::max(1, ctx.scenario().cluster.gpus_per_node);
    Layout l;
    l.places.resize(static_cast<std::size_t>(ctx.endpoints()));
    std::map<int, int> index_of;  // machine id -> index into l.machines, in order of machine id
    for (int e : group) index_of.emplace(e < ctx.size() ? e / g : ctx.size() + e, 0);
    int next = 0;
    for (auto& [machine, index] : index_of) index = next++;
    l.machines.resize(index_of.size());
    for (int e : group) {
      const int m = index_of.at(e < ctx.size() ? e / g : ctx.size() + e);
      std::vector<int>& members = l.machines[static_cast<std::size_t>(m)];
      l.places.at(static_cast<std::size_t>(e)) = Layout::Place{m, static_cast<int>(members.size())};
      members.push_back(e);
    }
    const std::size_t local_size = l.machines.front().size();
    bool uniform = true;
    for (const std::vector<int>& members : l.machines) uniform = uniform && members.size() == local_size;
    if (uniform && l.machines.size() == 1) l.shape = Shape::OneMachine;
    else if (!uniform || local_size == 1) l.shape = Shape::Flat;
    else {
      l.shape = Shape::Hierarchical;
      l.crosses.resize(local_size);
      for (int e : group)
        l.crosses[static_cast<std::size_t>(l.places[static_cast<std::size_t>(e)].local_index)].push_back(e);
    }
    return l;
  }

  std::string inner_name_;
  mutable std::unique_ptr<Collective> inner_;  // shared by the ranks of one run
  mutable GroupCache<Layout> layouts_;  // shared by the ranks of one run
};

const bool registered_hierarchical_allreduce = [] {
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
