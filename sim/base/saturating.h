// Unsigned products and sums that stop at 2^64 - 1 instead of wrapping: sizes taken from the JSON
// (fabric dimensions, layer widths) are multiplied before they are compared with a bound.
#pragma once
#include <cstdint>
#include <limits>

namespace dtsim {

inline constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

inline std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kSaturated / a) return kSaturated;
  return a * b;
}
inline std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return b > kSaturated - a ? kSaturated : a + b; }

}  // namespace dtsim
