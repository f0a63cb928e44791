// Binary tree and double binary tree allreduce (NCCL's tree algorithms, Sanders et al. 2009), pipelined
// in segments: reduce up the tree(s), then broadcast down. Shapes, schedule and cost model in tree.h;
// closed_form() evaluates that model exactly. The fast fidelity runs the same schedule.
#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/tree.h"

namespace dtsim {
namespace {

class TreeAllreduce : public Collective {
 public:
  explicit TreeAllreduce(int trees) : trees_(trees) {}

  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    const int me = index_in_group(group, ctx.rank());
    const int segments = tree::segments_for(data.bytes, trees_);
    const Chunks chunks(data, trees_ * segments);
    for (const tree::Op& op : tree::schedules(p, trees_, segments)[me]) {
      if (op.send) {
        ctx.send(group[op.peer], chunks.extract(data, op.chunk));
      } else {
        Message part = ctx.recv(group[op.peer]);
        if (op.reduce) chunks.accumulate(data, op.chunk, part);
        else chunks.assign(data, op.chunk, part);
      }
    }
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return tree::schedule_time(p, n, trees_, alpha, beta);
  }

 private:
  int trees_;
};

const bool registered_tree_allreduce_binary =
    CollectiveRegistry::add({"binary_tree", "pipelined binary tree reduce + broadcast (NCCL's tree)", {}},
                            [](const OptionValues&) { return std::make_unique<TreeAllreduce>(1); });
const bool registered_tree_allreduce_double =
    CollectiveRegistry::add({"double_binary_tree", "two complementary pipelined binary trees (Sanders et al. 2009; NCCL)", {}},
                            [](const OptionValues&) { return std::make_unique<TreeAllreduce>(2); });

}  // namespace
}  // namespace dtsim
