// What happened during a run: per-rank, per-iteration time breakdowns (always) and every span
// (only when a trace is asked for, since a 1024-rank ring makes millions of them).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dtsim {

// Collective: one collective operation on one rank, from its call to its return (trace only).
enum class SpanKind { Compute, Send, Recv, Wait, Collective, Input };
const char* span_kind_name(SpanKind kind);

struct Span {
  int endpoint;
  SpanKind kind;
  double begin;
  double end;
  double bytes;
  int iteration;
  int peer;  // -1 for compute and collectives
  // Send/Recv: the transfer's id (both sides of a transfer carry the same one; -1: none).
  std::int64_t transfer = -1;
  // Collective: its operation and algorithm (Recorder::label), and the number of participants.
  int operation = -1, algorithm = -1, participants = 0;
};

// One endpoint's iteration. comm = time with a transfer in flight; exposed_comm = the part of it not
// hidden behind compute; wait = time blocked on a peer that had not yet posted its side. The same
// transfer time split by tier (intra-node: both ends on one machine), the bytes this endpoint sent per
// tier, and the window of its communication: from its first post to its last transfer's end (NaN
// without communication).
struct IterationBreakdown {
  int endpoint = 0;
  int iteration = 0;
  double begin = 0;
  double end = 0;
  double compute = 0;
  double comm = 0;
  double exposed_comm = 0;
  double wait = 0;
  double input_wait = 0;  // waiting for the data loader's batch (workload.input_pipeline)
  double bytes_sent = 0;
  double intra_busy = 0, inter_busy = 0;
  double intra_bytes = 0, inter_bytes = 0;
  double comm_enter = 0, comm_leave = 0;
};

// Counters only some algorithms produce (the parameter-server family); empty otherwise.
struct AlgorithmCounters {
  std::vector<std::int64_t> staleness;  // histogram: staleness[s] = gradients applied s model updates late
  std::int64_t gradients_applied = 0;
  std::int64_t gradients_dropped = 0;   // backup workers: gradients that arrived after the first m
  double dropped_compute_s = 0;         // compute time spent on the dropped gradients
  // Asynchronous PS: gradients that arrived after the run's budget of updates was spent (their workers
  // were computing when the last update was applied; the run ends, so they are never applied).
  std::int64_t gradients_unapplied_at_end = 0;
  double unapplied_compute_s = 0;  // compute time spent on them
  std::vector<double> update_times;     // simulated time of each model update (shard 0's server)
  std::int64_t updates_rolled_back = 0; // failed server shards: updates lost by going back to a checkpoint (all shards)
  void add_staleness(std::int64_t s) {
    if (s >= static_cast<std::int64_t>(staleness.size())) staleness.resize(static_cast<std::size_t>(s) + 1, 0);
    ++staleness[static_cast<std::size_t>(s)];
    ++gradients_applied;
  }
};

class Recorder {
 public:
  explicit Recorder(bool keep_spans) : keep_spans_(keep_spans) {}
  void add_span(const Span& span) {
    if (keep_spans_) spans_.push_back(span);
  }
  bool keeps_spans() const { return keep_spans_; }
  // A small integer naming `text` in the trace (collective operations and algorithms).
  int label(const std::string& text) {
    for (std::size_t i = 0; i < labels_.size(); ++i)
      if (labels_[i] == text) return static_cast<int>(i);
    labels_.push_back(text);
    return static_cast<int>(labels_.size()) - 1;
  }
  const std::string& label_text(int label) const { return labels_.at(static_cast<std::size_t>(label)); }
  // Ids for transfers, in posting order (they pair a send span with its receive span).
  std::int64_t next_transfer_id() { return next_transfer_++; }
  void add_iteration(const IterationBreakdown& it) { iterations_.push_back(it); }
  // Room for `count` breakdowns up front: at 16,384 ranks x 100 iterations they are 170 MB, which a
  // growing vector copies (and faults in) again at every doubling.
  void expect_iterations(std::size_t count) { iterations_.reserve(count); }
  // A restart from a checkpoint of iteration `k`: the iterations after it are run again, so their
  // first breakdowns no longer describe the run (their spans stay in the trace, as lost work).
  void drop_iterations_after(int k) {
    std::vector<IterationBreakdown> kept;
    for (const IterationBreakdown& b : iterations_)
      if (b.iteration <= k) kept.push_back(b);
    iterations_.swap(kept);
  }
  const std::vector<Span>& spans() const { return spans_; }
  const std::vector<IterationBreakdown>& iterations() const { return iterations_; }
  AlgorithmCounters& counters() { return counters_; }
  const AlgorithmCounters& counters() const { return counters_; }

 private:
  AlgorithmCounters counters_;
  bool keep_spans_;
  std::vector<Span> spans_;
  std::vector<std::string> labels_;
  std::int64_t next_transfer_ = 0;
  std::vector<IterationBreakdown> iterations_;
};

}  // namespace dtsim
