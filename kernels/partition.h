#pragma once
// Splitting a training set across ranks (iid, Dirichlet label skew, sorted shards, contiguous).
#include <cstdint>
#include <vector>

#include "kernels/dataset.h"
#include "kernels/specs.h"

namespace dtsim::kernels {

using Shards = std::vector<std::vector<Index>>;  // sample indices per rank

// Deterministic in (data, ranks, spec, seed). For global_shuffle the result is epoch 0's
// assignment (BatchSampler reshuffles it every epoch). Throws std::invalid_argument when the
// data cannot give every rank at least one sample.
Shards partition(const Dataset& data, int ranks, const PartitionSpec& spec, std::uint64_t seed);

// Per rank, the number of samples of each label (ranks x num_classes), to inspect skew.
std::vector<std::vector<Index>> label_histogram(const Dataset& data, const Shards& shards);

}  // namespace dtsim::kernels
