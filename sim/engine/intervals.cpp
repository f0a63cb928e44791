#include "sim/engine/intervals.h"

#include <algorithm>

namespace dtsim {

std::vector<Interval> merge_intervals(std::vector<Interval> intervals) {
  intervals.erase(std::remove_if(intervals.begin(), intervals.end(), [](const Interval& i) { return i.end <= i.begin; }),
                  intervals.end());
  std::sort(intervals.begin(), intervals.end(), [](const Interval& x, const Interval& y) { return x.begin < y.begin; });
  std::vector<Interval> merged;
  for (const Interval& i : intervals) {
    if (!merged.empty() && i.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, i.end);
    else
      merged.push_back(i);
  }
  return merged;
}

double union_length(const std::vector<Interval>& intervals) {
  double total = 0;
  for (const Interval& i : merge_intervals(intervals)) total += i.end - i.begin;
  return total;
}

double difference_length(const std::vector<Interval>& a, const std::vector<Interval>& b) {
  const std::vector<Interval> ma = merge_intervals(a);
  const std::vector<Interval> mb = merge_intervals(b);
  double total = 0;
  size_t j = 0;
  for (const Interval& i : ma) {
    double cursor = i.begin;
    while (j < mb.size() && mb[j].end <= cursor) ++j;
    for (size_t k = j; k < mb.size() && mb[k].begin < i.end; ++k) {
      if (mb[k].begin > cursor) total += mb[k].begin - cursor;
      cursor = std::max(cursor, mb[k].end);
      if (cursor >= i.end) break;
    }
    if (cursor < i.end) total += i.end - cursor;
  }
  return total;
}

}  // namespace dtsim
