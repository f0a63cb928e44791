// The program's calloc and free when jemalloc is its allocator (linked into the dtsim executable only,
// CMakeLists.txt): stacks of the reserved size come from the page-aligned arena of
// sim/engine/stack_arena.h, everything else from jemalloc (mallocx/dallocx: its own calloc and free,
// which these definitions shadow). A freed arena stack is left as it is.
#include <jemalloc/jemalloc.h>

#include <cerrno>
#include <cstddef>

#include "sim/engine/stack_arena.h"

namespace {
[[maybe_unused]] const bool routed = (dtsim::stacks_from_arena() = true);
}

extern "C" void* calloc(std::size_t count, std::size_t size) {
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  if (void* stack = dtsim::actor_stack_arena().take(bytes)) return stack;
  void* p = mallocx(bytes > 0 ? bytes : 1, MALLOCX_ZERO);
  if (p == nullptr) errno = ENOMEM;
  return p;
}

extern "C" void free(void* p) {
  if (p == nullptr || dtsim::actor_stack_arena().owns(p)) return;
  dallocx(p, 0);
}
