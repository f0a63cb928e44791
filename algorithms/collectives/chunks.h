// Splitting a message into p nearly equal chunks (the first `total % p` chunks get one unit more).
// A unit is one tensor element when the message carries values, one byte otherwise.
#pragma once
#include <cstddef>
#include <vector>

#include "sim/engine/rank_context.h"

namespace dtsim {

class Chunks {
 public:
  Chunks(const Message& whole, int parts);
  int parts() const { return static_cast<int>(offset_.size()); }
  // A new message holding chunk i of `whole` (values copied when present).
  Message extract(const Message& whole, int i) const { return extract_range(whole, i, 1); }
  // whole[chunk i] += part (element-wise; bytes only in timing mode).
  void accumulate(Message& whole, int i, const Message& part) const { accumulate_range(whole, i, 1, part); }
  // whole[chunk i] = part.
  void assign(Message& whole, int i, const Message& part) const { assign_range(whole, i, 1, part); }

  // The same for `count` consecutive chunks starting at `first`.
  Message extract_range(const Message& whole, int first, int count) const;
  void accumulate_range(Message& whole, int first, int count, const Message& part) const;
  void assign_range(Message& whole, int first, int count, const Message& part) const;
  // Simulated bytes of chunk i of `whole` split in `parts`, in O(1) (no Chunks built).
  static double chunk_bytes(const Message& whole, int parts, int i);
  // The same for `bytes` made of `units` units (elements or bytes: a chunk's length() and bytes()).
  static double chunk_bytes(double bytes, std::size_t units, int parts, int i);
  // First unit (element or byte) of chunk i and its number of units.
  std::size_t offset(int i) const { return offset_[i]; }
  std::size_t length(int i) const { return length_[i]; }
  // Simulated bytes of chunks [first, first + count).
  double bytes(int first, int count = 1) const;

 private:
  std::size_t begin_of(int first) const { return offset_[first]; }
  std::size_t length_of(int first, int count) const;
  std::vector<std::size_t> offset_, length_;
  double bytes_per_unit_ = 0;
  bool has_values_ = false;
};

}  // namespace dtsim
