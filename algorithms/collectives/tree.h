// Pipelined binary trees for allreduce (binary_tree, double_binary_tree).
//
// Tree shape: NCCL's in-order binary tree over positions 0..p-1 (ncclGetBtree): position 0 is the
// root with a single child (the largest power of two below p), a position with lowest set bit b has
// children at -b/2 and +b/2 (the latter shrunk while out of range); depth about lg p, odd positions
// are leaves. The second tree of the double binary tree mirrors the first for even p (position
// p-1-i) and shifts it by one for odd p, so that a rank internal in one tree is a leaf in the other.
//
// Schedule: the vector is cut into (trees x segments) chunks; tree t carries its own 1/trees of the
// data in `segments` pipelined segments. Per tree, reduce phase, segment by segment: receive the
// segment from each child (adding it), then send it to the parent; then the broadcast phase: receive
// from the parent, send to each child. With two trees, each rank runs the operations of both in the
// order of their start times when each tree is timed alone with unit-cost messages (ties: tree 0
// first): one global order on message pairs, hence deadlock-free, and close to the trees side by side. Every operation is a blocking message, so a rank has
// at most one flow in flight, every NIC direction carries one flow at a time, and the schedule is
// contention-free on a non-blocking fabric.
//
// Cost model ("closed form"): every message costs alpha + m beta (m = its chunk's bytes) from the
// moment both ends have posted it; ranks execute their operation lists in order. tree_schedule_time()
// evaluates exactly this max-plus recurrence without SimGrid (O(p x segments)). For a large vector
// the pipeline is limited by a rank with two children: about 6 n beta for the binary tree (3 chunk
// transfers per segment per phase), about 4 n beta for the double tree (each rank is internal in one
// tree only), plus about 2 x 2 lg p (alpha + m beta) to fill and drain the pipelines.
#pragma once
#include <vector>

#include "algorithms/collectives/chunks.h"

namespace dtsim::tree {

struct Node {
  int parent = -1;
  std::vector<int> children;
};
// Node at position `pos` of the in-order binary tree over p positions.
Node btree_node(int p, int pos);

struct Op {
  int peer;     // group index
  bool send;
  int chunk;    // index into Chunks(data, trees * segments)
  bool reduce;  // receive: add (reduce phase) or overwrite (broadcast phase)
};
// Every group index's operation list (cached per (p, trees, segments)).
const std::vector<std::vector<Op>>& schedules(int p, int trees, int segments);
// Pipeline segments for n bytes over `trees` trees (segments of about 512 KiB, at most 64).
int segments_for(double n, int trees);
// Exact time of the schedule under the cost model above (chunk sizes as Chunks splits n bytes).
double schedule_time(int p, double n, int trees, double alpha, double beta);

}  // namespace dtsim::tree
