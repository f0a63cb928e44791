#include "sim/engine/reply_couriers.h"

#include <algorithm>
#include <string>

#include <simgrid/Exception.hpp>

namespace sg4 = simgrid::s4u;

namespace dtsim {

struct ReplyCouriers::Courier {
  std::vector<RankContext::UnwaitedSend> batch;  // handed over, to post when woken, and wait for
  std::vector<RankContext::UnwaitedSend> after;  // to post detached after the batch (no courier was free)
  Courier* successor = nullptr;                  // woken once this one has posted: keeps the server's order
  bool idle = true;                              // no batch handed over or in flight
  bool posted = true;                            // everything handed over is posted
  bool deferred = false;                         // its wake is its predecessor's (see successor)
  bool open = false;                             // taking single replies (send_one) until it holds batch_
  std::size_t count = 0;                         // replies handed over since it was last idle
  sg4::SemaphorePtr wake = sg4::Semaphore::create(0);
};

namespace {
constexpr long kBatch = 64;
}

long ReplyCouriers::couriers_for(long workers, long servers) {
  const long wanted = (workers + kBatch - 1) / kBatch;
  const long budget = (workers / 4 + 64) / std::max(1L, servers);
  return std::max(1L, std::min(wanted, budget));
}

ReplyCouriers::ReplyCouriers(long workers, long servers)
    : max_couriers_(static_cast<std::size_t>(couriers_for(workers, servers))),
      batch_(static_cast<std::size_t>(std::max(1L, (workers + static_cast<long>(max_couriers_) - 1) /
                                                      static_cast<long>(max_couriers_)))) {}

void ReplyCouriers::serve(Courier& courier) {
  std::vector<sg4::CommPtr> comms;
  for (;;) {
    courier.wake->acquire();
    // By index: an open courier may be handed more while it posts (each post yields to the server).
    for (std::size_t i = 0; i < courier.batch.size(); ++i) {
      const RankContext::UnwaitedSend send = courier.batch[i];
      comms.push_back(send.mailbox->put_async(send.message, send.bytes));
    }
    courier.batch.clear();
    for (std::size_t i = 0; i < courier.after.size(); ++i) {  // (the server may add to it meanwhile)
      const RankContext::UnwaitedSend send = courier.after[i];
      send.mailbox->put_init(send.message, send.bytes)->detach();
    }
    courier.after.clear();
    courier.posted = true;
    // Decided before waking the successor: that simcall lets the server run, and it may close this
    // courier meanwhile (then it is woken once more, to wait).
    const bool stays_open = courier.open;
    if (courier.successor != nullptr) {
      Courier* next = courier.successor;
      courier.successor = nullptr;
      next->deferred = false;
      next->wake->release();
    }
    if (stays_open) continue;  // more single replies may come; it waits for them once full
    for (const sg4::CommPtr& comm : comms) {
      try {
        comm->wait();
      } catch (const simgrid::Exception&) {
        // The receiver died (run.recovery): nothing to deliver, as for a detached send.
      }
    }
    comms.clear();
    courier.count = 0;
    courier.idle = true;
  }
}

ReplyCouriers::Courier* ReplyCouriers::idle_courier() {
  for (std::size_t i = 0; i < couriers_.size(); ++i) {
    const std::size_t at = (next_ + i) % couriers_.size();
    if (couriers_[at]->idle) {
      next_ = at + 1;
      return couriers_[at].get();
    }
  }
  if (couriers_.size() >= max_couriers_) return nullptr;
  auto courier = std::make_shared<Courier>();
  // On the server's host: the replies take the server's route.
  sg4::Actor::create("courier" + std::to_string(couriers_.size()), sg4::this_actor::get_host(), [courier] {
    sg4::Actor::self()->daemonize();
    serve(*courier);
  });
  couriers_.push_back(courier);
  next_ = couriers_.size();
  return courier.get();
}

void ReplyCouriers::send_all(RankContext& ctx, const std::vector<int>& peers, const Message& message) {
  close_open();
  std::vector<Courier*> chain;
  std::size_t i = 0;
  while (i < peers.size()) {
    Courier* courier = idle_courier();
    if (courier == nullptr) break;
    courier->idle = false;
    courier->posted = false;
    for (; i < peers.size() && courier->batch.size() < batch_; ++i)
      courier->batch.push_back(ctx.book_unwaited_send(peers[i], message));
    if (!chain.empty()) {
      chain.back()->successor = courier;
      courier->deferred = true;
    }
    chain.push_back(courier);
  }
  // Every courier busy: the rest go out detached, after what is handed over (a worker takes its
  // server's messages in the order they were posted).
  std::vector<RankContext::UnwaitedSend> rest;
  for (; i < peers.size(); ++i) rest.push_back(ctx.book_unwaited_send(peers[i], message));
  // An earlier call's couriers that have not posted yet go first. (Decided here, after the last
  // simcall above: meanwhile they may have posted; a courier of this chain is not one of them.)
  Courier* before = last_ != nullptr && !last_->posted &&
                            std::find(chain.begin(), chain.end(), last_) == chain.end()
                        ? last_
                        : nullptr;
  if (!chain.empty()) {
    chain.back()->after = std::move(rest);
    if (before != nullptr) {
      before->successor = chain.front();
      chain.front()->deferred = true;
    } else {
      chain.front()->wake->release();
    }
    last_ = chain.back();
  } else if (before != nullptr) {
    before->after.insert(before->after.end(), rest.begin(), rest.end());
  } else {
    for (const RankContext::UnwaitedSend& send : rest) send.mailbox->put_init(send.message, send.bytes)->detach();
  }
}

void ReplyCouriers::close_open() {
  Courier* c = open_;
  if (c == nullptr) return;
  open_ = nullptr;
  c->open = false;
  if (c->posted) {  // blocked for more: wake it to wait for what it posted
    c->posted = false;
    c->wake->release();
  }
}

void ReplyCouriers::send_one(RankContext& ctx, int peer, Message message) {
  const RankContext::UnwaitedSend send = ctx.book_unwaited_send(peer, std::move(message));
  Courier* c = open_;  // (send_all closes it, so it is also the last courier handed anything)
  if (c == nullptr) {
    c = idle_courier();
    // Decided after idle_courier(), which may create an actor: every simcall lets the couriers run
    // (and post) before the server goes on.
    Courier* before = last_ != nullptr && !last_->posted ? last_ : nullptr;
    if (c == nullptr) {  // every courier busy: detached, after what is handed over
      if (before != nullptr) before->after.push_back(send);
      else send.mailbox->put_init(send.message, send.bytes)->detach();
      return;
    }
    c->idle = false;
    c->open = true;
    c->count = 0;
    open_ = c;
    if (before != nullptr && before != c) {
      before->successor = c;
      c->deferred = true;
    }
  }
  c->batch.push_back(send);
  last_ = c;
  if (++c->count >= batch_) {  // full: it waits for its replies once it has posted them
    open_ = nullptr;
    c->open = false;
  }
  if (c->posted) {  // it holds nothing unposted: it needs a wake (unless its predecessor gives it)
    c->posted = false;
    if (!c->deferred) c->wake->release();  // last: the release lets the courier run
  }
}

}  // namespace dtsim
