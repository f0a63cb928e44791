// The compression schemes, one file each; make_compressor (compressor.cpp) picks one by name.
#pragma once
#include <memory>

#include "algorithms/compression/compressor.h"

namespace dtsim::compression {

std::unique_ptr<Compressor> make_topk(const CompressionSpec& spec, double bytes_per_param);
std::unique_ptr<Compressor> make_randomk(const CompressionSpec& spec, double bytes_per_param);
std::unique_ptr<Compressor> make_qsgd(const CompressionSpec& spec, double bytes_per_param);
std::unique_ptr<Compressor> make_sign(const CompressionSpec& spec, double bytes_per_param);

// Streams of keyed_uniform owned by compression (the straggler model uses 1..5).
constexpr std::uint64_t kRandomKStream = 0x7c01;
constexpr std::uint64_t kQsgdStream = 0x7c02;

}  // namespace dtsim::compression
