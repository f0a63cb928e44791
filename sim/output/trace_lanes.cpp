#include "sim/output/trace_lanes.h"

#include <algorithm>
#include <numeric>

namespace dtsim {

namespace {
// Spans by begin, longer first at equal begins (then input order).
std::vector<std::size_t> nesting_order(const std::vector<LaneSpan>& spans) {
  std::vector<std::size_t> order(spans.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (spans[a].begin != spans[b].begin) return spans[a].begin < spans[b].begin;
    return spans[a].end > spans[b].end;
  });
  return order;
}
}  // namespace

std::vector<int> assign_lanes(const std::vector<LaneSpan>& spans) {
  std::vector<int> lane_of(spans.size(), 0);
  std::vector<std::vector<std::int64_t>> open;  // per lane: ends of the spans still open, innermost last
  for (std::size_t i : nesting_order(spans)) {
    const LaneSpan& s = spans[i];
    std::size_t lane = 0;
    for (; lane < open.size(); ++lane) {
      std::vector<std::int64_t>& stack = open[lane];
      while (!stack.empty() && stack.back() <= s.begin) stack.pop_back();  // later spans begin later too
      if (stack.empty() || s.end <= stack.back()) break;
    }
    if (lane == open.size()) open.emplace_back();
    open[lane].push_back(s.end);
    lane_of[i] = static_cast<int>(lane);
  }
  return lane_of;
}

bool spans_nest(std::vector<LaneSpan> spans) {
  std::vector<std::int64_t> stack;
  for (std::size_t i : nesting_order(spans)) {
    while (!stack.empty() && stack.back() <= spans[i].begin) stack.pop_back();
    if (!stack.empty() && spans[i].end > stack.back()) return false;
    stack.push_back(spans[i].end);
  }
  return true;
}

}  // namespace dtsim
