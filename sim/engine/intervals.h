// Lengths of unions and differences of time intervals: how a rank's overlapping compute, transfer
// and waiting spans become one iteration's breakdown without double counting.
#pragma once
#include <vector>

namespace dtsim {

struct Interval {
  double begin;
  double end;
};

// Sorted, disjoint union of the intervals (empty ones dropped).
std::vector<Interval> merge_intervals(std::vector<Interval> intervals);
// Total length of the union.
double union_length(const std::vector<Interval>& intervals);
// Length of union(a) minus union(b).
double difference_length(const std::vector<Interval>& a, const std::vector<Interval>& b);

}  // namespace dtsim
