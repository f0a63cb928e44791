// How large a fabric dtsim lets SimGrid build, and overflow-safe counting of its elements.
//
// SimGrid 3.32's zone builders (torus, fat-tree, dragonfly) create every position, switch, router and
// link in memory before the first event, single-threaded: a fabric of 10^10 positions hangs or runs
// out of memory after validation said yes. Counts are taken from the JSON as 64-bit values (a dims
// entry of 4294967298 must not become 2) and multiplied with saturation, so no product overflows.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/base/saturating.h"

namespace dtsim {

// At most this many fabric elements (leaves, switches or routers, and links, each counted once).
// Measured (8 machines, 2 iterations, this build): a 512 x 512 torus (786,432 elements) takes 8 s
// and 0.8 GB, a 1024 x 1024 one (3.1 million) 45 s and 3.2 GB; 2^21 keeps a run well under a minute.
inline constexpr std::uint64_t kMaxFabricElements = std::uint64_t{1} << 21;

// A count from the JSON (an integer >= 1, already checked by the options); 0 for anything else.
inline std::uint64_t json_count(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() > 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  return 0;
}

// "" when `elements` fits, else the reason, naming what was counted.
inline std::string fabric_size_error(std::uint64_t elements, const std::string& what) {
  if (elements <= kMaxFabricElements) return "";
  const std::string count = elements == kSaturated ? "more than 2^64" : std::to_string(elements);
  return "gives " + count + " " + what + "; allowed: at most " + std::to_string(kMaxFabricElements) +
         " (SimGrid builds every element in memory before the run)";
}

}  // namespace dtsim
