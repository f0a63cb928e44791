// Page-aligned stacks for SimGrid's actors when they run without guard pages.
//
// Without a guard page SimGrid 3.32 takes each actor's stack from calloc (xbt_malloc0). jemalloc, dtsim's
// allocator, starts every large allocation at a random cache line within its first page
// ("cache-oblivious" placement), so the top of each stack, where an actor's hot frames are, straddles
// two pages instead of one: at 65,536 ranks a fast-fidelity iteration took 21 % longer than with the
// page-aligned stacks SimGrid makes when it keeps the guards (measured, docs/scale.md). The arena is one
// reserved mapping cut into slots of (stack size + one page) from which the program's calloc serves
// requests of exactly the stack size while slots remain (sim/app/stack_calloc.cpp, linked only with
// jemalloc). Its memory is fresh anonymous pages: zero, resident only once touched. Slots are not
// reused (a freed stack's pages stay until the process ends).
#pragma once
#include <atomic>
#include <cstddef>

namespace dtsim {

class StackArena {
 public:
  // Reserves `slots` stacks of `stack_bytes` (a multiple of the page size) in one mapping of virtual
  // memory (no swap reserved). False, and nothing reserved, if the mapping fails or the sizes are bad.
  // Once only: a second call returns false.
  bool reserve(std::size_t slots, std::size_t stack_bytes);
  // The next free slot if `bytes` is the reserved stack size and one is left; nullptr otherwise.
  void* take(std::size_t bytes);
  bool owns(const void* p) const {
    const char* c = static_cast<const char*>(p);
    return c >= begin_ && c < end_;
  }
  std::size_t taken() const { return next_.load(std::memory_order_relaxed); }
  std::size_t slot_stride() const { return stride_; }

 private:
  char* begin_ = nullptr;
  char* end_ = nullptr;
  std::size_t stack_bytes_ = 0;
  std::size_t stride_ = 0;
  std::size_t slots_ = 0;
  std::atomic<std::size_t> next_{0};
};

// The process's arena for actor stacks.
StackArena& actor_stack_arena();

// Whether the program's calloc takes stacks from actor_stack_arena() (set by sim/app/stack_calloc.cpp
// when it is linked in; false in the tests and under the sanitizers).
bool& stacks_from_arena();

}  // namespace dtsim
