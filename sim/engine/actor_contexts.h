// SimGrid actor context settings chosen from the number of actors a run will create.
//
// Each actor has its own stack: contexts/stack-size KiB of virtual memory (pages are only resident
// once touched) and, with contexts/guard-size > 0, a protected guard page below it that turns a stack
// overflow into a fault. The guard splits the stack's mapping in two, so every actor costs the process
// two memory mappings, and Linux caps a process at vm.max_map_count mappings (65,530 by default): past
// about 32,000 actors SimGrid aborts with "Failed to protect stack". Where the guarded stacks would not
// fit, the guard is dropped (one mapping per actor, merged by the kernel with its neighbours); a stack
// overflow is then undetected, which the 1 MiB stacks make unlikely (dtsim's actors keep their data on
// the heap). The unguarded stacks then come from a page-aligned arena where the program allows it
// (sim/engine/stack_arena.h).
#pragma once
#include <string>

namespace dtsim {

struct ContextSettings {
  int stack_kib = 1024;  // contexts/stack-size
  int guard_pages = 1;   // contexts/guard-size (SimGrid's default)
  std::string note;      // why the guard was dropped ("" : kept)
};

// Mappings reserved for everything but the actors' stacks (libraries, heap arenas, SimGrid's own).
inline constexpr long kReservedMappings = 4096;

// The settings for `actors` actors under a limit of `max_map_count` mappings.
ContextSettings context_settings(long actors, long max_map_count);

// Under glibc, makes large allocations (the unguarded stacks) fresh zero mappings instead of heap
// memory that calloc clears; called before the actors are created when the guard is dropped.
void keep_stacks_out_of_the_heap();

// vm.max_map_count of this machine (/proc/sys/vm/max_map_count), or Linux's default 65,530 where it
// cannot be read.
long system_max_map_count();

}  // namespace dtsim
