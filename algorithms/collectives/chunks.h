// Splitting a message into p nearly equal chunks (the first `total % p` chunks get one unit more).
// A unit is one tensor element when the message carries values, one byte otherwise.
#pragma once
#include <cstddef>
#include <vector>

#include "sim/rank_context.h"

namespace dtsim {

class Chunks {
 public:
  Chunks(const Message& whole, int parts);
  int parts() const { return static_cast<int>(offset_.size()); }
  // A new message holding chunk i of `whole` (values copied when present).
  Message extract(const Message& whole, int i) const;
  // whole[chunk i] += part (element-wise; bytes only in timing mode).
  void accumulate(Message& whole, int i, const Message& part) const;
  // whole[chunk i] = part.
  void assign(Message& whole, int i, const Message& part) const;

 private:
  std::vector<std::size_t> offset_, length_;
  double bytes_per_unit_ = 0;
  bool has_values_ = false;
};

}  // namespace dtsim
