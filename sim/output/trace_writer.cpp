#include "sim/output/trace_writer.h"

#include <algorithm>
#include <cinttypes>
#include <vector>

#include "sim/output/text_sink.h"
#include "sim/output/trace_flows.h"
#include "sim/output/trace_lanes.h"

namespace dtsim {

namespace {

// Picoseconds as the format's microseconds, exactly ("12.000345"): spans that nest in integer time
// nest in the file too (no rounding of begin and duration apart).
std::string micros(std::int64_t ps) {
  char text[32];
  std::snprintf(text, sizeof text, "%" PRId64 ".%06" PRId64, ps / 1000000, ps % 1000000);
  return text;
}

// The GPU's stream: its compute and its waits for input data (the loader's batch not ready).
bool on_compute_stream(SpanKind kind) { return kind == SpanKind::Compute || kind == SpanKind::Input; }

// Where each span goes: its thread id; and each endpoint's tracks in display order.
struct Track {
  int tid;
  std::string name;
};
struct Layout {
  std::vector<int> tid_of_span;             // -1: not drawn (zero length)
  std::vector<std::vector<Track>> tracks;   // per endpoint
  int next_tid = 0;
};

// Per endpoint, the compute stream's and the communication stream's spans are spread over lanes that
// nest (trace_lanes.h). Thread ids: endpoint e's compute track is e and its communication track is
// E + e (E endpoints); overflow lanes follow from 2E, in endpoint order.
Layout lay_out(const std::vector<Span>& spans, int endpoints, const std::vector<std::string>& names) {
  const int E = endpoints;
  std::vector<std::vector<std::size_t>> members(2 * static_cast<std::size_t>(E));
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    if (s.endpoint < 0 || s.endpoint >= E || to_picoseconds(s.end) <= to_picoseconds(s.begin)) continue;
    members[2 * static_cast<std::size_t>(s.endpoint) + (on_compute_stream(s.kind) ? 0 : 1)].push_back(i);
  }
  Layout layout;
  layout.tid_of_span.assign(spans.size(), -1);
  layout.tracks.resize(static_cast<std::size_t>(E));
  layout.next_tid = 2 * E;
  for (int e = 0; e < E; ++e) {
    for (int stream = 0; stream < 2; ++stream) {
      const std::vector<std::size_t>& mine = members[2 * static_cast<std::size_t>(e) + stream];
      std::vector<LaneSpan> lane_spans;
      for (std::size_t i : mine) lane_spans.push_back({to_picoseconds(spans[i].begin), to_picoseconds(spans[i].end)});
      const std::vector<int> lanes = assign_lanes(lane_spans);
      const int count = lanes.empty() ? 1 : *std::max_element(lanes.begin(), lanes.end()) + 1;
      std::vector<int> tids;
      const std::string base = names[static_cast<std::size_t>(e)] + (stream == 0 ? " compute" : " comm");
      for (int lane = 0; lane < count; ++lane) {
        const int tid = lane == 0 ? stream * E + e : layout.next_tid++;
        tids.push_back(tid);
        layout.tracks[static_cast<std::size_t>(e)].push_back({tid, lane == 0 ? base : base + " " + std::to_string(lane + 1)});
      }
      for (std::size_t k = 0; k < mine.size(); ++k) layout.tid_of_span[mine[k]] = tids[static_cast<std::size_t>(lanes[k])];
    }
  }
  return layout;
}

}  // namespace

std::string trace_file_name(const OutputSpec& output) { return output.trace_gzip ? "trace.json.gz" : "trace.json"; }

void write_trace_json(const std::string& path, const Scenario& scenario, const RunResult& run) {
  TextSink out(path, scenario.output.trace_gzip);
  const std::vector<Span>& spans = run.recorder.spans();
  const int gpus = scenario.cluster.gpus_per_node;
  const int nodes = scenario.cluster.nodes;
  const int E = run.workers + run.servers;
  auto pid_of = [&](int endpoint) { return endpoint < run.workers ? endpoint / gpus : nodes + (endpoint - run.workers); };
  std::vector<std::string> names;
  for (int e = 0; e < E; ++e)
    names.push_back(e < run.workers ? "rank " + std::to_string(e) : "server " + std::to_string(e - run.workers));
  const Layout layout = lay_out(spans, E, names);

  out.write("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
  bool first = true;
  auto next = [&] {
    if (!first) out.write(",\n");
    first = false;
  };
  auto process = [&](int pid, const std::string& name) {
    next();
    out.printf(R"({"ph":"M","name":"process_name","pid":%d,"args":{"name":"%s"}},)" "\n"
               R"({"ph":"M","name":"process_sort_index","pid":%d,"args":{"sort_index":%d}})",
               pid, name.c_str(), pid, pid);
  };
  for (int m = 0; m < nodes; ++m) process(m, "node " + std::to_string(m));
  for (int s = 0; s < run.servers; ++s) process(nodes + s, "server " + std::to_string(s));
  int sort_index = 0;
  for (int e = 0; e < E; ++e)
    for (const Track& t : layout.tracks[static_cast<std::size_t>(e)]) {
      next();
      out.printf(R"({"ph":"M","name":"thread_name","pid":%d,"tid":%d,"args":{"name":"%s"}},)" "\n"
                 R"({"ph":"M","name":"thread_sort_index","pid":%d,"tid":%d,"args":{"sort_index":%d}})",
                 pid_of(e), t.tid, t.name.c_str(), pid_of(e), t.tid, sort_index++);
    }

  for (std::size_t i = 0; i < spans.size(); ++i) {
    const int tid = layout.tid_of_span[i];
    if (tid < 0) continue;  // zero-length waits carry no information
    const Span& span = spans[i];
    const std::int64_t begin = to_picoseconds(span.begin);
    const std::string ts = micros(begin), dur = micros(to_picoseconds(span.end) - begin);
    next();
    if (span.kind == SpanKind::Collective) {
      const std::string& operation = run.recorder.label_text(span.operation);
      out.printf(R"({"name":"%s","cat":"collective","ph":"X","ts":%s,"dur":%s,"pid":%d,"tid":%d,)"
                 R"("args":{"iteration":%d,"algorithm":"%s","bytes":%.0f,"participants":%d}})",
                 operation.c_str(), ts.c_str(), dur.c_str(), pid_of(span.endpoint), tid, span.iteration,
                 run.recorder.label_text(span.algorithm).c_str(), span.bytes, span.participants);
    } else if (span.kind == SpanKind::Input) {
      out.printf(R"({"name":"input wait","cat":"input","ph":"X","ts":%s,"dur":%s,"pid":%d,"tid":%d,)"
                 R"("args":{"iteration":%d}})",
                 ts.c_str(), dur.c_str(), pid_of(span.endpoint), tid, span.iteration);
    } else if (span.kind == SpanKind::Compute) {
      out.printf(R"({"name":"compute","cat":"compute","ph":"X","ts":%s,"dur":%s,"pid":%d,"tid":%d,)"
                 R"("args":{"iteration":%d}})",
                 ts.c_str(), dur.c_str(), pid_of(span.endpoint), tid, span.iteration);
    } else {
      // Sends and receives share the flow arrows' category: Chrome binds a flow event to the slice of
      // the same category, thread and timestamp.
      const char* kind = span_kind_name(span.kind);
      out.printf(R"({"name":"%s","cat":"%s","ph":"X","ts":%s,"dur":%s,"pid":%d,"tid":%d,)"
                 R"("args":{"iteration":%d,"bytes":%.0f,"peer":%d}})",
                 kind, span.kind == SpanKind::Wait ? "wait" : "transfer", ts.c_str(), dur.c_str(), pid_of(span.endpoint), tid, span.iteration, span.bytes,
                 span.peer);
    }
  }

  // Flow arrows: "s" inside the send span, "f" bound to the enclosing receive span (bp "e").
  for (const FlowPair& f : sampled_flows(spans, kMaxTraceFlows)) {
    const Span& send = spans[f.send];
    const Span& recv = spans[f.recv];
    next();
    out.printf(R"({"name":"transfer","cat":"transfer","ph":"s","id":%lld,"ts":%s,"pid":%d,"tid":%d},)" "\n"
               R"({"name":"transfer","cat":"transfer","ph":"f","bp":"e","id":%lld,"ts":%s,"pid":%d,"tid":%d})",
               static_cast<long long>(f.transfer), micros(to_picoseconds(send.begin)).c_str(), pid_of(send.endpoint),
               layout.tid_of_span[f.send], static_cast<long long>(f.transfer),
               micros(to_picoseconds(recv.begin)).c_str(), pid_of(recv.endpoint), layout.tid_of_span[f.recv]);
  }

  for (const auto& [pid, series] : bytes_in_flight(spans, pid_of))
    for (const auto& [t, bytes] : series) {
      next();
      out.printf(R"({"name":"bytes in flight","ph":"C","ts":%s,"pid":%d,"args":{"bytes":%.0f}})",
                 micros(t).c_str(), pid, bytes);
    }

  if (run.resilience) {
    // Failures, checkpoint writes and down times on a process of their own ("job"), in lanes that nest.
    const int job = nodes + run.servers;
    const std::vector<ResilienceEvent>& events = run.resilience->events;
    std::vector<LaneSpan> timed;
    for (const ResilienceEvent& e : events)
      if (to_picoseconds(e.end) > to_picoseconds(e.begin)) timed.push_back({to_picoseconds(e.begin), to_picoseconds(e.end)});
    const std::vector<int> lanes = assign_lanes(timed);
    const int count = lanes.empty() ? 1 : *std::max_element(lanes.begin(), lanes.end()) + 1;
    process(job, "job");
    for (int lane = 0; lane < count; ++lane) {
      next();
      out.printf(R"({"ph":"M","name":"thread_name","pid":%d,"tid":%d,"args":{"name":"job%s"}},)" "\n"
                 R"({"ph":"M","name":"thread_sort_index","pid":%d,"tid":%d,"args":{"sort_index":%d}})",
                 job, layout.next_tid + lane, lane == 0 ? "" : (" " + std::to_string(lane + 1)).c_str(), job,
                 layout.next_tid + lane, sort_index++);
    }
    std::size_t k = 0;
    for (const ResilienceEvent& e : events) {
      next();
      const std::int64_t begin = to_picoseconds(e.begin), end = to_picoseconds(e.end);
      if (end > begin)
        out.printf(R"({"name":"%s","cat":"%s","ph":"X","ts":%s,"dur":%s,"pid":%d,"tid":%d,"args":{"what":"%s"}})",
                   e.kind.c_str(), e.kind.c_str(), micros(begin).c_str(), micros(end - begin).c_str(), job,
                   layout.next_tid + lanes[k++], e.what.c_str());
      else
        out.printf(R"({"name":"%s","cat":"%s","ph":"i","s":"g","ts":%s,"pid":%d,"tid":%d,"args":{"what":"%s"}})",
                   e.kind.c_str(), e.kind.c_str(), micros(begin).c_str(), job, layout.next_tid, e.what.c_str());
    }
  }
  out.write("\n]}\n");
  out.commit();
}

}  // namespace dtsim
