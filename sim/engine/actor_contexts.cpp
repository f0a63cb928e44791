#include "sim/engine/actor_contexts.h"

#include <fstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

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

void keep_stacks_out_of_the_heap() {
#if defined(__GLIBC__)
  // Without guard pages SimGrid takes each stack from calloc. glibc serves 1 MiB from mmap (zero pages,
  // untouched) only below M_MMAP_MAX mappings and while its dynamic threshold has not risen past 1 MiB;
  // otherwise from the brk heap, where calloc clears up to the old top chunk: ~128 KiB resident per
  // stack (measured: 8 GiB at 65,536 ranks). A fixed threshold and no cap keep them mapped; adjacent
  // anonymous mappings merge, so the mapping count stays low.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_MMAP_MAX, 1 << 30);
#endif
}

}  // namespace dtsim
