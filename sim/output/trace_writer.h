// trace.json (or trace.json.gz): the run in Chrome's trace event format, as Perfetto and
// chrome://tracing read it. One process per machine (and per server); per endpoint a compute track and
// a communication track (like a GPU's compute and NCCL streams), with overflow lanes where transfers
// overlap without nesting; one span per collective, flow arrows from sends to receives, a
// bytes-in-flight counter per machine, and a "job" process for failures and checkpoints.
#pragma once
#include <string>

#include "sim/engine/engine.h"

namespace dtsim {

// At most this many flow arrows (sampled_flows says which).
constexpr std::size_t kMaxTraceFlows = 10000;

// "trace.json", or "trace.json.gz" with output.trace "gzip".
std::string trace_file_name(const OutputSpec& output);

void write_trace_json(const std::string& path, const Scenario& scenario, const RunResult& run);

}  // namespace dtsim
