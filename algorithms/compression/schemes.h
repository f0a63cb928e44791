// What the compression schemes (one file each) share besides compressor.h: their random streams.
#pragma once
#include <cstdint>

#include "algorithms/compression/compressor.h"

namespace dtsim::compression {

// Streams of keyed_uniform owned by compression (the straggler model uses 1..5).
constexpr std::uint64_t kRandomKStream = 0x7c01;
constexpr std::uint64_t kQsgdStream = 0x7c02;

}  // namespace dtsim::compression
