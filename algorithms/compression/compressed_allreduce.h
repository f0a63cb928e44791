// Compressed ring allreduce (`collective` "compressed_allreduce" of the quantizers): the gradient is cut
// into p chunks as a ring allreduce cuts it; every chunk travels as a compressed block with its own
// scales. Reduce-scatter: at each of the p-1 hops a rank decodes the partial sum it receives, adds its
// own chunk, re-encodes it and passes it on, so every hop's re-quantization error is real; the owner of
// a chunk encodes the full sum once more. Allgather: the p compressed sums go round the ring, and every
// rank decodes all of them (the owner too), so the replicas get the same bits.
// Systems: Bagua's ByteGrad (8-bit min-max; Gan et al., "Bagua: Scaling up Distributed Learning with
// System Relaxations", VLDB 2022); 1-bit Adam's compressed allreduce (Tang et al., "1-bit Adam:
// Communication Efficient Large-Scale Training with Adam's Convergence Speed", ICML 2021), whose
// worker- and server-side error feedback becomes here one residual per rank and chunk: what rank r's
// encoding of chunk c dropped (at a hop or as the owner) is added to what it encodes of chunk c next
// step. So sum_r residual_r + the decoded sum telescopes to sum_r (gradient_r + old residual_r).
//
// Wire: c_i = compressor.wire_bytes(d_i) for chunk i of d_i = floor(d/p) or ceil(d/p) parameters
// (d = simulated parameters). Each rank sends p-1 blocks in each phase: 2 (p-1) c bytes with equal
// chunks, cost 2 (p-1) (alpha + c beta). 8-bit min-max: c = d/p + 8, i.e. about n/4 x 2(p-1)/p for
// n = 4d dense bytes, a quarter of the fp32 ring allreduce.
// It runs message by message at either network fidelity. Random draws (QSGD) are keyed by
// (seed, rank x p + chunk, step): every encoding of one step draws its own numbers.
//
// Hierarchical variant (algorithm.collective "hierarchical", ranks machine-major with g GPUs per
// machine): full-precision ring reduce-scatter inside each machine, the compressed ring above between
// the N machines' GPUs of the same local index on 1/g of the gradient, full-precision ring allgather
// inside each machine. Cost 2 (g-1)(alpha_l + n/g beta_l) + 2 (N-1)(alpha + c' max(beta_l, g beta)),
// c' = wire_bytes(d / (g N)).
#pragma once
#include <cstdint>
#include <vector>

#include "algorithms/collectives/collective.h"
#include "algorithms/compression/compressor.h"

namespace dtsim {

// Sums `data` over `group` in place. data.bytes: the simulated dense bytes (unchanged on return);
// data.values (numerics only): this rank's gradient, on return the decoded sum (identical on every
// member). `residual`: this rank's error-feedback state (sized on first use), or null without it.
// `seed`, `step`: the scenario seed and gradient step (random draws).
void compressed_allreduce_ring(RankContext& ctx, const std::vector<int>& group, const Compressor& compressor,
                               Message& data, std::uint64_t seed, std::int64_t step, std::vector<float>* residual);

// The hierarchical variant over all ranks 0..P-1 with `gpus_per_node` per machine; falls back to the
// flat ring when there is one machine, one GPU per machine, or P is not a multiple of gpus_per_node.
void compressed_allreduce_hierarchical(RankContext& ctx, const std::vector<int>& group, const Compressor& compressor,
                                       Message& data, std::uint64_t seed, std::int64_t step,
                                       std::vector<float>* residual, Fidelity fidelity);

// Parameters of chunk i of `params` cut in p (the first params mod p chunks get one more).
double compressed_chunk_params(double params, int p, int i);
// Bytes rank `me` sends in one compressed ring allreduce of `params` parameters.
double compressed_allreduce_ring_bytes(const Compressor& compressor, int p, double params, int me);
// Closed form with equal chunks (p divides params): 2 (p-1) (alpha + wire_bytes(params / p) beta).
double compressed_allreduce_ring_time(const Compressor& compressor, int p, double params, double alpha, double beta);

}  // namespace dtsim
