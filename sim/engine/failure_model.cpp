#include "sim/engine/failure_model.h"

#include <tuple>

#include "sim/engine/straggler_model.h"

namespace dtsim {
namespace {

// Streams of keyed_uniform, apart from the straggler model's (1-5).
constexpr std::uint64_t kFailureStream = 16;

std::unique_ptr<FailureProcess> make(const FailureProcessSpec& p) {
  return p.any() ? FailureProcessRegistry::create(p.process, p.options) : nullptr;
}

}  // namespace

bool FailureModel::Later::operator()(const FailureEvent& a, const FailureEvent& b) const {
  return std::make_tuple(a.time, static_cast<int>(a.target), a.index, a.scheduled) >
         std::make_tuple(b.time, static_cast<int>(b.target), b.index, b.scheduled);
}

FailureModel::FailureModel(const FailureSpec& spec, std::uint64_t seed, int ranks, int machines)
    : spec_(spec), seed_(seed), gpu_(make(spec.gpu)), machine_(make(spec.machine)), link_(make(spec.link)) {
  drawn_[static_cast<int>(FailureTarget::Gpu)].assign(static_cast<std::size_t>(ranks), 0);
  drawn_[static_cast<int>(FailureTarget::Machine)].assign(static_cast<std::size_t>(machines), 0);
  drawn_[static_cast<int>(FailureTarget::Link)].assign(static_cast<std::size_t>(machines), 0);
  if (gpu_) {
    for (int r = 0; r < ranks; ++r) draw_next(FailureTarget::Gpu, r, 0);
    rate_ += ranks / gpu_->mean();
  }
  if (machine_) {
    for (int m = 0; m < machines; ++m) draw_next(FailureTarget::Machine, m, 0);
    rate_ += machines / machine_->mean();
  }
  if (link_) {
    for (int m = 0; m < machines; ++m) draw_next(FailureTarget::Link, m, 0);
    rate_ += machines / link_->mean();
  }
  taken_.assign(spec.events.size(), 0);
  for (std::size_t i = 0; i < spec.events.size(); ++i) {
    const ScheduledFailure& e = spec.events[i];
    queue_.push({e.at, e.target, e.index, static_cast<int>(i), e.at + spec.repair_time});
  }
}

void FailureModel::draw_next(FailureTarget target, int index, double after) {
  const FailureProcess* law = target == FailureTarget::Gpu ? gpu_.get() : target == FailureTarget::Machine ? machine_.get() : link_.get();
  std::int64_t& k = drawn_[static_cast<int>(target)][static_cast<std::size_t>(index)];
  const double u = keyed_uniform(seed_, kFailureStream + static_cast<std::uint64_t>(target), static_cast<std::uint64_t>(index),
                                 static_cast<std::uint64_t>(k++));
  const double t = after + law->lifetime(u);
  queue_.push({t, target, index, -1, t + spec_.repair_time});
}

FailureEvent FailureModel::pop() {
  FailureEvent e = queue_.top();
  queue_.pop();
  if (e.scheduled < 0) draw_next(e.target, e.index, e.repaired_at);
  else taken_[static_cast<std::size_t>(e.scheduled)] = 1;
  return e;
}

std::vector<int> FailureModel::scheduled_not_taken() const {
  std::vector<int> out;
  for (std::size_t i = 0; i < taken_.size(); ++i)
    if (!taken_[i]) out.push_back(static_cast<int>(i));
  return out;
}

}  // namespace dtsim
