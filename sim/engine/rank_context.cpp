#include "sim/engine/rank_context.h"

#include <cmath>
#include <exception>
#include <stdexcept>

#include <xbt/config.h>

#include "sim/engine/link_usage.h"
#include "sim/engine/straggler_model.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {

namespace {
std::vector<simgrid::s4u::CommPtr>& abandoned() {
  static std::vector<simgrid::s4u::CommPtr> comms;
  return comms;
}
}  // namespace

RankContext::Request::State::~State() {
  if (comm && std::uncaught_exceptions() > 0) abandoned().push_back(std::move(comm));
}

void RankContext::release_abandoned_transfers() { abandoned().clear(); }

RankContext::RankContext(const Cluster& cluster, int endpoint)
    : cluster_(cluster), endpoint_(endpoint), started_(sg4::Engine::get_clock()) {}

double RankContext::now() const { return sg4::Engine::get_clock() + ahead_; }

RankContext::Lockstep::Lockstep(RankContext& ctx, bool on)
    : ctx_(ctx), on_(on && !ctx.cluster_.interference && !ctx.deferring_) {
  if (on_) ctx_.deferring_ = true;
}

RankContext::Lockstep::~Lockstep() {
  if (!on_) return;
  ctx_.deferring_ = false;
  if (std::uncaught_exceptions() > 0) {
    ctx_.ahead_ = 0;  // unwinding (a failure): no simcall from a destructor
    return;
  }
  ctx_.settle();
}

double RankContext::timing_precision() {
  static const double precision = sg_cfg_get_double("surf/precision");
  return precision;
}

void RankContext::settle() {
  if (ahead_ > 0) sleep_until(now());
}

void RankContext::sleep_until(double when) {
  const double engine = sg4::Engine::get_clock();
  ahead_ = 0;
  if (when > engine) sg4::this_actor::sleep_for(when - engine);
}

void RankContext::caught_up(double arrival) {
  // A meeting releases its members at the latest arrival plus the least wait (rounding aside).
  if (sg4::Engine::get_clock() < arrival * (1 - 1e-12))
    throw std::logic_error("lockstep: released at " + std::to_string(sg4::Engine::get_clock()) +
                           " s, before this endpoint's arrival at " + std::to_string(arrival) + " s");
  ahead_ = 0;
}

sg4::Mailbox* RankContext::mailbox(int from, int to) {
  // One mailbox per ordered pair, so a receive names its sender (MPI's source argument).
  const long key = mailbox_key(from, to);
  auto it = mailboxes_.find(key);
  if (it != mailboxes_.end()) return it->second;
  const std::string epoch = cluster_.epoch > 0 ? "e" + std::to_string(cluster_.epoch) + ":" : "";
  sg4::Mailbox* box = sg4::Mailbox::by_name(epoch + std::to_string(from) + ">" + std::to_string(to));
  mailboxes_.emplace(key, box);
  return box;
}

sg4::Mailbox* RankContext::inbox(int endpoint, int lane) {
  // Cached beside the pair mailboxes under a negative key (pair keys are >= 0).
  constexpr long kMaxLanes = 1 << 16;
  if (lane < 0 || lane >= kMaxLanes) throw std::logic_error("inbox: bad lane " + std::to_string(lane));
  const long key = -1L - (static_cast<long>(endpoint) * kMaxLanes + lane);
  auto it = mailboxes_.find(key);
  if (it != mailboxes_.end()) return it->second;
  const std::string epoch = cluster_.epoch > 0 ? "e" + std::to_string(cluster_.epoch) + ":" : "";
  const std::string suffix = lane > 0 ? "." + std::to_string(lane) : "";
  sg4::Mailbox* box = sg4::Mailbox::by_name(epoch + "inbox" + std::to_string(endpoint) + suffix);
  mailboxes_.emplace(key, box);
  return box;
}

void RankContext::check_peer(const char* operation, int peer) const {
  if (peer < 0 || peer >= endpoints() || peer == endpoint_)
    throw std::logic_error(std::string(operation) + ": bad peer " + std::to_string(peer) + " from " +
                           std::to_string(endpoint_));
}

void RankContext::record(SpanKind kind, double begin, double end, double bytes, int peer, std::int64_t transfer) {
  if (end > begin) {
    Interval interval{begin, end};
    if (kind == SpanKind::Compute) compute_spans_.push_back(interval);
    else if (kind == SpanKind::Wait) wait_spans_.push_back(interval);
    else if (kind == SpanKind::Input) input_spans_.push_back(interval);
    else {
      transfer_spans_.push_back(interval);
      (same_machine(peer) ? intra_spans_ : inter_spans_).push_back(interval);
    }
  }
  Span span{endpoint_, kind, begin, end, bytes, iteration_, peer};
  span.transfer = transfer;
  cluster_.recorder.add_span(span);
}

RankContext::CollectiveSpan::CollectiveSpan(RankContext& ctx, const std::string& operation,
                                            const std::string& algorithm, double bytes, int participants)
    : ctx_(ctx), span_{ctx.endpoint_, SpanKind::Collective, ctx.now(), 0, bytes, ctx.iteration_, -1} {
  Recorder& recorder = ctx_.cluster_.recorder;
  if (!recorder.keeps_spans()) return;
  span_.operation = recorder.label(operation);
  span_.algorithm = recorder.label(algorithm);
  span_.participants = participants;
}

RankContext::CollectiveSpan::~CollectiveSpan() {
  // Also when a failure unwinds the rank: the span then ends where the rank stopped.
  span_.end = ctx_.now();
  if (span_.operation >= 0) ctx_.cluster_.recorder.add_span(span_);
}

void RankContext::begin_iteration(int iteration) {
  iteration_ = iteration;
  sample_step_ = -1;
  iteration_begin_ = now();
  compute_spans_.clear();
  transfer_spans_.clear();
  wait_spans_.clear();
  input_spans_.clear();
  intra_spans_.clear();
  inter_spans_.clear();
  bytes_sent_ = intra_bytes_ = inter_bytes_ = 0;
  comm_enter_ = std::numeric_limits<double>::infinity();
  comm_leave_ = -std::numeric_limits<double>::infinity();
}

void RankContext::end_iteration() {
  IterationBreakdown b;
  b.endpoint = endpoint_;
  b.iteration = iteration_;
  b.begin = iteration_begin_;
  b.end = now();
  b.compute = union_length(compute_spans_);
  b.comm = union_length(transfer_spans_);
  b.exposed_comm = difference_length(transfer_spans_, compute_spans_);
  std::vector<Interval> busy = transfer_spans_;
  busy.insert(busy.end(), compute_spans_.begin(), compute_spans_.end());
  b.wait = difference_length(wait_spans_, busy);
  b.input_wait = difference_length(input_spans_, busy);
  b.bytes_sent = bytes_sent_;
  b.intra_busy = union_length(intra_spans_);
  b.inter_busy = union_length(inter_spans_);
  b.intra_bytes = intra_bytes_;
  b.inter_bytes = inter_bytes_;
  const bool communicated = comm_enter_ <= comm_leave_;
  b.comm_enter = communicated ? comm_enter_ : std::numeric_limits<double>::quiet_NaN();
  b.comm_leave = communicated ? comm_leave_ : std::numeric_limits<double>::quiet_NaN();
  cluster_.recorder.add_iteration(b);
}

void RankContext::await_input() {
  const InputPipelineSpec& spec = cluster_.scenario.workload.input_pipeline;
  input_step_ = sample_step();
  if (!input_) input_.emplace(spec.prefetch, started_);  // its loader starts with the process
  // The GPU's share of its machine's rate; an elastic run's larger batches take longer to prepare.
  const double prepare = cluster_.scenario.workload.batch_per_gpu * cluster_.batch_scale *
                         cluster_.scenario.cluster.gpus_per_node / spec.rate;
  const double begin = now();
  const double ready = input_->take(begin, prepare);
  if (ready <= begin) return;
  if (deferring_) ahead_ += ready - begin;  // arithmetic only: the lockstep's single sleep takes it
  else sleep_until(ready);
  record(SpanKind::Input, begin, now(), 0, -1);
}

void RankContext::compute(double seconds) {
  if (endpoint_ < cluster_.workers && cluster_.scenario.workload.input_pipeline.rate > 0 && sample_step() != input_step_)
    await_input();
  if (deferring_) {
    const double begin = now();
    if (seconds > 0) ahead_ += std::max(seconds, timing_precision());  // as SimGrid would sleep
    record(SpanKind::Compute, begin, now(), 0, -1);
    return;
  }
  settle();
  const double begin = now();
  if (seconds > 0) {
    if (cluster_.interference && endpoint_ < cluster_.workers) cluster_.interference->compute(endpoint_, seconds);
    else sg4::this_actor::sleep_for(seconds);
  }
  record(SpanKind::Compute, begin, now(), 0, -1);
}

void RankContext::comm_pause(double seconds) {
  if (seconds <= 0) return;
  settle();
  entered(now());
  sg4::this_actor::sleep_for(seconds);
  left(now());
}

void RankContext::track(Request::State& s, long pair_key) {
  // Only transfers between GPU ranks: a server is a daemon, killed at the end of the run, and a killed
  // actor cannot leave the wait on a condition variable cleanly; the PS family computes and
  // communicates in turn anyway.
  if (!cluster_.interference || pair_key < 0 || endpoint_ >= cluster_.workers || s.peer >= cluster_.workers) return;
  s.flight = std::make_shared<OverlapInterference::Flight>();
  s.flight->endpoint = endpoint_;
  s.flight->comm = s.comm;
  cluster_.interference->posted(pair_key, s.is_send, s.flight);
}

RankContext::Request RankContext::isend(int peer, Message message) {
  return post_send(mailbox(endpoint_, peer), mailbox_key(endpoint_, peer), peer, std::move(message));
}

RankContext::Request RankContext::isend_to_inbox(int peer, Message message, int lane, std::deque<int>* posted_lanes) {
  sg4::Mailbox* box = inbox(peer, lane);  // (a simcall the first time: before the order is recorded)
  settle();
  if (posted_lanes != nullptr) posted_lanes->push_back(lane);  // no simcall until the transfer is posted
  return post_send(box, -1, peer, std::move(message));
}

void RankContext::send_detached(int peer, Message message) {
  const UnwaitedSend send = book_unwaited_send(peer, std::move(message));
  send.mailbox->put_init(send.message, send.bytes)->detach();
}

RankContext::UnwaitedSend RankContext::book_unwaited_send(int peer, Message message) {
  settle();
  check_peer("send_detached", peer);
  message.source = endpoint_;
  message.transfer = cluster_.recorder.next_transfer_id();
  bytes_sent_ += message.bytes;
  (same_machine(peer) ? intra_bytes_ : inter_bytes_) += message.bytes;
  entered(now());
  left(now());  // nobody waits for it: the sender is done once it is posted
  const auto simulated = static_cast<uint64_t>(std::llround(message.bytes));
  if (cluster_.interference && endpoint_ < cluster_.workers && peer < cluster_.workers)
    cluster_.interference->posted(mailbox_key(endpoint_, peer), true, nullptr);
  return UnwaitedSend{mailbox(endpoint_, peer), new Message(std::move(message)), simulated};
}

sg4::Mailbox* RankContext::claim_inbox(int lane) {
  sg4::Mailbox* box = inbox(endpoint_, lane);
  if (static_cast<std::size_t>(lane) >= inbox_claimed_.size()) inbox_claimed_.resize(static_cast<std::size_t>(lane) + 1);
  if (!inbox_claimed_[static_cast<std::size_t>(lane)]) {  // once: this actor becomes the inbox's permanent receiver
    box->set_receiver(sg4::Actor::self());
    inbox_claimed_[static_cast<std::size_t>(lane)] = true;
  }
  return box;
}

RankContext::Request RankContext::irecv_any(int lane) {
  settle();
  sg4::Mailbox* box = claim_inbox(lane);
  Request request;
  request.state_ = std::make_unique<Request::State>();
  auto& s = *request.state_;
  s.posted = now();
  entered(s.posted);
  s.comm = box->get_async<Message>(&s.received);
  return request;
}

RankContext::Request RankContext::post_send(sg4::Mailbox* box, long pair_key, int peer, Message message) {
  settle();
  check_peer("isend", peer);
  message.source = endpoint_;
  message.transfer = cluster_.recorder.next_transfer_id();
  Request request;
  request.state_ = std::make_unique<Request::State>();
  auto& s = *request.state_;
  s.is_send = true;
  s.peer = peer;
  s.bytes = message.bytes;
  s.posted = now();
  s.transfer = message.transfer;
  entered(s.posted);
  const auto simulated = static_cast<uint64_t>(std::llround(message.bytes));
  s.comm = box->put_async(new Message(std::move(message)), simulated);
  bytes_sent_ += s.bytes;
  (same_machine(peer) ? intra_bytes_ : inter_bytes_) += s.bytes;
  track(s, pair_key);
  return request;
}

RankContext::Request RankContext::irecv(int peer) {
  settle();
  if (peer < 0 || peer >= endpoints() || peer == endpoint_)
    throw std::logic_error("irecv: bad peer " + std::to_string(peer) + " at " + std::to_string(endpoint_));
  Request request;
  request.state_ = std::make_unique<Request::State>();
  auto& s = *request.state_;
  s.peer = peer;
  s.posted = now();
  entered(s.posted);
  s.comm = mailbox(peer, endpoint_)->get_async<Message>(&s.received);
  track(s, mailbox_key(peer, endpoint_));
  return request;
}

double RankContext::compute_factor() const {
  if (endpoint_ >= cluster_.workers) return 1.0;
  if (!cluster_.stragglers) return cluster_.batch_scale;
  return cluster_.batch_scale * cluster_.stragglers->compute_factor(endpoint_, sample_step(), now());
}

Message RankContext::wait(Request& request) {
  settle();
  auto& s = *request.state_;
  if (s.flight) cluster_.interference->wait(s.flight);  // its watcher waits on the transfer
  else s.comm->wait();
  return finish(request);
}

Message RankContext::finish(Request& request) {
  auto& s = *request.state_;
  // The transfer starts once both sides have posted; before that this endpoint waits for its peer.
  // (A transfer into a shared inbox may have started before the receive was posted: no wait then.)
  const double start = s.comm->get_start_time();
  const double finish = s.comm->get_finish_time();
  Message out;
  if (!s.is_send) {
    std::unique_ptr<Message> received(s.received);
    out = std::move(*received);
  }
  const int peer = s.peer >= 0 ? s.peer : out.source;
  left(finish);
  if (start > s.posted) record(SpanKind::Wait, s.posted, start, 0, peer);
  if (s.is_send) record(SpanKind::Send, start, finish, s.bytes, peer, s.transfer);
  else record(SpanKind::Recv, start, finish, out.bytes, peer, out.transfer);
  if (!s.is_send && cluster_.links) cluster_.links->add_transfer(peer, endpoint_, start, finish, out.bytes);
  request.state_.reset();
  return out;
}

std::vector<Message> RankContext::wait_all(std::vector<Request>& requests) {
  std::vector<Message> out;
  out.reserve(requests.size());
  for (Request& r : requests) out.push_back(wait(r));
  requests.clear();
  return out;
}

void RankContext::send(int peer, Message message) {
  Request r = isend(peer, std::move(message));
  wait(r);
}

Message RankContext::recv(int peer) {
  Request r = irecv(peer);
  return wait(r);
}

}  // namespace dtsim
