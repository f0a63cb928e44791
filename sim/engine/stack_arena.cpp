#include "sim/engine/stack_arena.h"

#include <sys/mman.h>
#include <unistd.h>

namespace dtsim {

bool StackArena::reserve(std::size_t slots, std::size_t stack_bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (begin_ != nullptr || slots == 0 || stack_bytes == 0 || stack_bytes % page != 0) return false;
  // One page between stacks: consecutive stack tops then fall in different cache sets.
  const std::size_t stride = stack_bytes + page;
  if (slots > static_cast<std::size_t>(-1) / stride) return false;
  void* p = mmap(nullptr, slots * stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  begin_ = static_cast<char*>(p);
  end_ = begin_ + slots * stride;
  stack_bytes_ = stack_bytes;
  stride_ = stride;
  slots_ = slots;
  return true;
}

void* StackArena::take(std::size_t bytes) {
  if (begin_ == nullptr || bytes != stack_bytes_) return nullptr;
  const std::size_t slot = next_.fetch_add(1, std::memory_order_relaxed);
  if (slot >= slots_) return nullptr;
  return begin_ + slot * stride_;
}

StackArena& actor_stack_arena() {
  static StackArena arena;
  return arena;
}

bool& stacks_from_arena() {
  static bool routed = false;
  return routed;
}

}  // namespace dtsim
