// The synchronous parameter server as deployed (BytePS, Jiang et al., "A Unified Architecture for
// Accelerating Distributed DNN Training in Heterogeneous GPU/CPU Clusters", OSDI 2020; TensorFlow's
// PS strategy): the parameter_server options local_aggregation, placement, partition_bytes and
// scheduling, and per-bucket push/pull overlapped with backward (workload.fusion.policy "ddp").
//
// Pieces. Each bucket of the backward pass (bucket_schedule.h; one bucket without fusion) is cut into
// pieces of partition_bytes (the last smaller; BytePS's default partition is 4 MB, BYTEPS_PARTITION_BYTES
// = 4096000) or, with partition_bytes 0, into one equal piece per shard; the pieces are dealt to the
// shards round-robin in issue order, so large tensors spread over every shard.
//
// Local aggregation (local_aggregation: true): the GPUs of a machine first send each piece to the
// machine's first GPU (its root), which pushes the machine's sum; after the pull the root sends the
// piece to its G - 1 peers. The fabric then carries one gradient per machine, not G.
//
// Placement. "dedicated": shards on hosts of their own, each behind its own fabric port. "colocated":
// one shard on every worker machine (shard m on machine m, beside its last GPU), or on the first
// colocated_machines of them only, so a machine's traffic with its own shard stays on the intra-node
// links.
//
// Bytes per NIC per step, model of n bytes, M machines of G GPUs, a = G (no local aggregation) or
// 1 (local aggregation) pushers per machine, shards holding equal parts (partition_bytes 0):
//   dedicated: a n out (pushes) and a n in (pulls) on every machine NIC; a server NIC carries
//              M a n / k each way;
//   colocated: a n (M - 1) / M out (pushes to the other M - 1 shards) plus a n (M - 1) / M out (its
//              shard's replies to the other machines), and the same in. On the first k < M machines
//              only: a shard machine a n (k - 1) / k + (M - 1) a n / k, another machine a n, each way.
//
// Scheduling. Each rank's push stream sends one piece at a time (a credit of one, as ByteScheduler,
// Peng et al., SOSP 2019, tunes it down to), choosing among the ready pieces: "fifo", in the order
// they became ready; "priority", the piece of the earliest layer first (P3, Jayarajan et al., "Priority-
// based Parameter Propagation for Distributed DNN Training", SysML 2019), so a later-ready piece of an
// earlier layer overtakes queued ones at partition granularity (a piece in flight is not cut).
//
// Overlap (workload.fusion.policy "ddp"): the pieces of a bucket become ready as the backward pass
// covers it, and the next iteration's forward pass runs bucket by bucket (first layers first, each
// bucket's share of the forward time proportional to its FLOPs) and starts a bucket's layers only once
// all of that bucket's pieces are pulled. The last iteration waits for every pull. Timing only (the
// update of iteration i is not applied before iteration i + 1 starts computing).
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "algorithms/training/bucket_schedule.h"
#include "sim/engine/rank_context.h"
#include "sim/engine/workload.h"

namespace dtsim {

struct PsDeployment {
  bool local_aggregation = false;
  bool colocated = false;
  double partition_bytes = 0;  // 0: one piece per shard and bucket
  bool priority = false;       // scheduling "priority" (else "fifo")
};

struct PsPiece {
  std::size_t bucket = 0;       // index in BucketSchedule::buckets (issue order)
  std::size_t first_layer = 0;  // its bucket's first layer (forward index): lower goes first under priority
  double bytes = 0;
  double param_begin = 0, param_end = 0;  // its slice of the forward-order parameter vector
  int shard = 0;
};

// The pieces of one iteration, bucket after bucket in issue order.
std::vector<PsPiece> make_pieces(const BucketSchedule& schedule, double partition_bytes, int shards);

// One run's deployed synchronous PS: the worker and server sides, shared by every endpoint.
class PsPushPull {
 public:
  PsPushPull(const Scenario& s, const PsDeployment& d, int shards);
  ~PsPushPull();
  void worker_iteration(RankContext& ctx, Workload& work);
  void server_event(RankContext& ctx, int server);

  const std::vector<PsPiece>& pieces() const { return pieces_; }

 private:
  struct Iteration;  // one rank's pieces in flight for one iteration
  struct Server;
  int root_of(int rank) const { return local_ ? rank - rank % gpus_ : rank; }
  bool pushes_to_servers(int rank) const { return root_of(rank) == rank; }
  void push_stream(RankContext& ctx, Iteration& it);
  void local_receiver(RankContext& ctx, Iteration& it, int peer);
  void pull_receiver(RankContext& ctx, Iteration& it, int source, int count);
  void piece_ready(Iteration& it, std::size_t piece);  // the rank's own contribution is ready
  // Where a ready piece goes in the push order: its first layer under priority, else all equal (fifo).
  std::size_t push_rank(std::size_t piece) const { return deployment_.priority ? pieces_[piece].first_layer : 0; }
  void start_iteration(RankContext& ctx, Iteration& it);

  const Scenario& scenario_;
  PsDeployment deployment_;
  bool local_ = false;
  bool overlap_ = false;
  int gpus_ = 1;
  int shards_ = 1;
  BucketSchedule schedule_;
  std::vector<PsPiece> pieces_;
  std::vector<std::unique_ptr<Iteration>> in_flight_;  // per rank: the previous iteration, still pulling
  std::vector<std::unique_ptr<Server>> servers_;
  std::size_t pieces_summed_ = 0;  // over every shard, this iteration: all of them make one update
};

}  // namespace dtsim
