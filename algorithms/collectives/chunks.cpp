#include "algorithms/collectives/chunks.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dtsim {

Chunks::Chunks(const Message& whole, int parts) {
  if (parts < 1) throw std::logic_error("Chunks: parts must be >= 1");
  has_values_ = !whole.values.empty();
  const std::size_t units = has_values_ ? whole.values.size() : static_cast<std::size_t>(std::llround(whole.bytes));
  bytes_per_unit_ = units ? whole.bytes / static_cast<double>(units) : 0;
  std::size_t at = 0;
  for (int i = 0; i < parts; ++i) {
    const std::size_t len = units / parts + (static_cast<std::size_t>(i) < units % parts ? 1 : 0);
    offset_.push_back(at);
    length_.push_back(len);
    at += len;
  }
}

double Chunks::chunk_bytes(const Message& whole, int parts, int i) {
  const bool values = !whole.values.empty();
  return chunk_bytes(whole.bytes, values ? whole.values.size() : static_cast<std::size_t>(std::llround(whole.bytes)),
                     parts, i);
}

double Chunks::chunk_bytes(double bytes, std::size_t units, int parts, int i) {
  if (units == 0) return 0;
  const double per_unit = bytes / static_cast<double>(units);
  const std::size_t len = units / parts + (static_cast<std::size_t>(i) < units % parts ? 1 : 0);
  return static_cast<double>(len) * per_unit;
}

std::size_t Chunks::length_of(int first, int count) const {
  if (first < 0 || count < 0 || first + count > parts()) throw std::logic_error("Chunks: range out of bounds");
  if (count == 0) return 0;
  return offset_[first + count - 1] + length_[first + count - 1] - offset_[first];
}

double Chunks::bytes(int first, int count) const {
  return static_cast<double>(length_of(first, count)) * bytes_per_unit_;
}

Message Chunks::extract_range(const Message& whole, int first, int count) const {
  Message part;
  const std::size_t len = length_of(first, count);
  part.bytes = static_cast<double>(len) * bytes_per_unit_;
  if (has_values_)
    part.values.assign(whole.values.begin() + begin_of(first), whole.values.begin() + begin_of(first) + len);
  return part;
}

void Chunks::accumulate_range(Message& whole, int first, int count, const Message& part) const {
  if (!has_values_) return;
  const std::size_t len = length_of(first, count);
  if (part.values.size() != len) throw std::logic_error("chunk size mismatch in accumulate");
  float* target = whole.values.data() + begin_of(first);
  for (std::size_t k = 0; k < len; ++k) target[k] += part.values[k];
}

void Chunks::assign_range(Message& whole, int first, int count, const Message& part) const {
  if (!has_values_) return;
  const std::size_t len = length_of(first, count);
  if (part.values.size() != len) throw std::logic_error("chunk size mismatch in assign");
  std::copy(part.values.begin(), part.values.end(), whole.values.begin() + begin_of(first));
}

}  // namespace dtsim
