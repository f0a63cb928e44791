#include "sim/engine/actor_contexts.h"

#include <fstream>

namespace dtsim {

ContextSettings context_settings(long actors, long max_map_count) {
  ContextSettings s;
  const long guarded = 2 * actors + kReservedMappings;
  if (guarded > max_map_count) {
    s.guard_pages = 0;
    s.note = std::to_string(actors) + " actors need " + std::to_string(guarded) + " memory mappings with stack guard "
             "pages, over vm.max_map_count (" + std::to_string(max_map_count) + "): stacks run without guard pages";
  }
  return s;
}

long system_max_map_count() {
  std::ifstream in("/proc/sys/vm/max_map_count");
  long value = 0;
  if (in >> value && value > 0) return value;
  return 65530;
}

}  // namespace dtsim
