// Collective operations other than allreduce, used by the allreduce algorithms and by training
// algorithms (gossip). `group` lists endpoint ids; the calling rank must be a member. Costs are for
// a non-blocking fabric under the exact alpha-beta model (alpha = path latency, beta = s/byte,
// n = bytes of `data` on each rank, lg = log2).
#pragma once
#include <vector>

#include "algorithms/collectives/collective.h"

namespace dtsim {

// Ring reduce-scatter. `data` is split into p chunks (Chunks(data, p)); on return chunk i of member i's
// data holds the sum of chunk i over the group (its other chunks hold partial sums).
// Cost (p-1) alpha + n (p-1)/p beta. Fast: one flow of n(p-1)/p bytes to the successor, (p-2) alpha waited.
void reduce_scatter_ring(RankContext& ctx, const std::vector<int>& group, Message& data, Fidelity fidelity);
double reduce_scatter_ring_time(int p, double n, double alpha, double beta);

// Ring allgather. Chunk i of member i's data (Chunks(data, p)) is its contribution; on return every
// member holds every chunk. n is the full size. Cost (p-1) alpha + n (p-1)/p beta; fast as above.
void allgather_ring(RankContext& ctx, const std::vector<int>& group, Message& data, Fidelity fidelity);
double allgather_ring_time(int p, double n, double alpha, double beta);

// Binomial-tree broadcast of the root's data (root = index in group), MPICH's order.
// Cost ceil(lg p) (alpha + n beta).
void broadcast_binomial(RankContext& ctx, const std::vector<int>& group, int root, Message& data);
double broadcast_binomial_time(int p, double n, double alpha, double beta);

// Binomial-tree reduce to the root: on return the root's data holds the sum (others: partial sums).
// Cost ceil(lg p) (alpha + n beta).
void reduce_binomial(RankContext& ctx, const std::vector<int>& group, int root, Message& data);
double reduce_binomial_time(int p, double n, double alpha, double beta);

// Neighbor exchange (gossip): sends `data` to every distinct peer and receives one message from each,
// all at once; returns the received messages in `peers` order (duplicates removed first). On a star
// fabric each rank's NIC carries d flows each way: cost alpha + d n beta for d distinct peers.
std::vector<Message> neighbor_exchange(RankContext& ctx, const std::vector<int>& peers, const Message& data);
double neighbor_exchange_time(int degree, double n, double alpha, double beta);

}  // namespace dtsim
