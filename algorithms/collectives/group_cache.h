// What a collective works out once per group (a machine layout, ring orders) and shares among the
// group's ranks: building it on every call of every rank would cost O(p) per rank, O(p^2) per
// collective. A run sees a few groups (all ranks, or one per model replica); an algorithm that changes
// its group every iteration must not grow the cache without bound, so only the last few are kept.
// Ranks hold the shared_ptr they got while they run the collective.
#pragma once
#include <cstddef>
#include <deque>
#include <memory>
#include <vector>

namespace dtsim {

template <class Value>
class GroupCache {
 public:
  // The value for `group`, made by `make(group)` when the group is not among the last few seen.
  template <class Make>
  std::shared_ptr<const Value> get(const std::vector<int>& group, Make make) {
    for (const Entry& e : entries_)
      if (e.group == group) return e.value;
    if (entries_.size() == kGroups) entries_.pop_front();
    entries_.push_back(Entry{group, std::make_shared<const Value>(make(group))});
    return entries_.back().value;
  }

 private:
  static constexpr std::size_t kGroups = 16;
  struct Entry {
    std::vector<int> group;
    std::shared_ptr<const Value> value;
  };
  std::deque<Entry> entries_;
};

}  // namespace dtsim
