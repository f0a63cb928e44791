// Folding p ranks onto p' = 2^floor(lg p) for the power-of-two algorithms (MPICH, Thakur et al. 2005):
// with r = p - p', each even-indexed member among the first 2r hands its whole vector to the next
// (odd) member and sits out; the odd member adds it. At the end the odd member hands the result back.
// Each fold costs alpha + n beta when r > 0.
#pragma once
#include <vector>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"

namespace dtsim {

struct Fold {
  int p = 1, p2 = 1, extra = 0;  // p, p' and r
  int me = 0;                    // index in group
  int folded = -1;               // index among the p' remaining members, -1 if sitting out
  Fold(const std::vector<int>& group, int endpoint) {
    p = static_cast<int>(group.size());
    p2 = 1 << floor_log2(p);
    extra = p - p2;
    me = index_in_group(group, endpoint);
    if (me < 2 * extra) folded = (me % 2 == 1) ? me / 2 : -1;
    else folded = me - extra;
  }
  // Group index of folded index `f`.
  int member_index(int f) const { return f < extra ? 2 * f + 1 : f + extra; }

  void fold_in(RankContext& ctx, const std::vector<int>& group, Message& data) const {
    if (me >= 2 * extra) return;
    if (folded < 0) ctx.send(group[me + 1], data);
    else Chunks(data, 1).accumulate(data, 0, ctx.recv(group[me - 1]));
  }
  void fold_out(RankContext& ctx, const std::vector<int>& group, Message& data) const {
    if (me >= 2 * extra) return;
    if (folded < 0) data = ctx.recv(group[me + 1]);
    else ctx.send(group[me - 1], data);
  }
};

}  // namespace dtsim
