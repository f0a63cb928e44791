// Spans on one Perfetto / chrome://tracing track must nest: each span lies inside another or after it,
// never across its end. Overlapping spans of one stream (a rank's concurrent send and receive) are
// spread over lanes, the stream's track and further ones ("comm 2", ...), so that each lane nests.
#pragma once
#include <cstdint>
#include <vector>

namespace dtsim {

struct LaneSpan {
  std::int64_t begin = 0, end = 0;  // integer time (the trace's resolution), end > begin
};

// The lane of each span (same order as `spans`): greedily the first lane where it nests, in order of
// begin time, longer spans first at equal begins (so a collective opens before its first transfer).
// Deterministic; lanes are numbered from 0.
std::vector<int> assign_lanes(const std::vector<LaneSpan>& spans);

// Whether spans given on one track nest (each inside or after every earlier-starting one): what
// Perfetto needs for complete ("X") events. Used by tests on written traces.
bool spans_nest(std::vector<LaneSpan> spans);

}  // namespace dtsim
