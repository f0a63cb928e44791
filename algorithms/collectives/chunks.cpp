#include "algorithms/collectives/chunks.h"

#include <cmath>
#include <stdexcept>

namespace dtsim {

Chunks::Chunks(const Message& whole, int parts) {
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

Message Chunks::extract(const Message& whole, int i) const {
  Message part;
  part.bytes = static_cast<double>(length_[i]) * bytes_per_unit_;
  if (has_values_)
    part.values.assign(whole.values.begin() + offset_[i], whole.values.begin() + offset_[i] + length_[i]);
  return part;
}

void Chunks::accumulate(Message& whole, int i, const Message& part) const {
  if (!has_values_) return;
  if (part.values.size() != length_[i]) throw std::logic_error("chunk size mismatch in accumulate");
  float* target = whole.values.data() + offset_[i];
  for (std::size_t k = 0; k < length_[i]; ++k) target[k] += part.values[k];
}

void Chunks::assign(Message& whole, int i, const Message& part) const {
  if (!has_values_) return;
  if (part.values.size() != length_[i]) throw std::logic_error("chunk size mismatch in assign");
  std::copy(part.values.begin(), part.values.end(), whole.values.begin() + offset_[i]);
}

}  // namespace dtsim
