// Fits alpha (s per message) and beta (bytes/s) of a collective's alpha-beta cost model to measured
// times. The models are the bandwidth-optimal ring algorithms NCCL runs (Patarasuk and Yuan,
// "Bandwidth optimal all-reduce algorithms for clusters of workstations", JPDC 2009), whose bus
// bandwidth nccl-tests reports (PERFORMANCE.md: busbw = algbw x 2(n-1)/n for allreduce, (n-1)/n for
// allgather, 1 for sendrecv):
//   all_reduce  2(n-1) alpha + 2(n-1)/n S / beta    (reduce-scatter then allgather, n-1 steps each)
//   all_gather   (n-1) alpha +  (n-1)/n S / beta    (S: the gathered size, nccl-tests' "size")
//   sendrecv           alpha +          S / beta    (one message to the next rank)
// so 1/beta is the time per byte on the ring's slowest hop: its achieved bandwidth.
//
// Least squares on relative error (each point weighted by 1/t^2): sizes span 8 B to gigabytes, and an
// unweighted fit would let the largest sizes decide alpha alone. Alpha is kept >= 0 (refitted with
// alpha = 0 when the unconstrained optimum is negative).
#pragma once
#include <string>
#include <vector>

namespace dtsim {

struct CostShape {
  double alpha_coefficient = 0;  // messages on the critical path
  double bytes_coefficient = 0;  // bytes on the critical path per byte of S
};

// The ring cost model of `collective` ("all_reduce", "all_gather", "sendrecv") on n ranks; throws
// std::invalid_argument for other collectives.
CostShape collective_cost_shape(const std::string& collective, int ranks);

struct FitPoint {
  double bytes = 0;
  double seconds = 0;
};

struct AlphaBetaFit {
  double alpha = 0;       // s
  double beta = 0;        // bytes/s
  double max_relative_error = 0;
  double rms_relative_error = 0;
  bool alpha_clamped = false;  // the unconstrained optimum had alpha < 0
  double predict(const CostShape& shape, double bytes) const {
    return shape.alpha_coefficient * alpha + shape.bytes_coefficient * bytes / beta;
  }
};

// Throws std::invalid_argument when the points cannot determine a positive bandwidth.
AlphaBetaFit fit_alpha_beta(const CostShape& shape, const std::vector<FitPoint>& points);

}  // namespace dtsim
