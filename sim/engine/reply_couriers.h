// A server's replies to many workers without detached transfers.
//
// Why: SimGrid 3.32 keeps every detached transfer in one simulation-wide list and scans the whole list
// each time one completes (CommImpl::finish), so k servers replying to p workers at once cost (k p)^2
// list steps per round: 0.9 ms per worker per iteration at 4096 workers and 8 servers, 70 % of the
// cycles in the scan. A courier is a daemon actor on the server's host that posts a batch of replies as
// ordinary sends and waits for them, so a completion scans only its own courier's batch.
//
// Exact: a reply goes out at the simulated time the server hands it over (the courier runs at the same
// instant, before the engine advances the clock), over the same route (the courier's host is the
// server's), in the server's order (a batch is a contiguous run of replies, and the couriers post one
// after another). A courier is handed a batch only when idle; when none is free the rest goes out
// detached, as before, so a reply is never delayed (after the couriers' posts, to keep the order).
// Replies that come one at a time (the asynchronous PS answers each push as it applies it) fill one
// open courier, which posts each at once and, once it holds a batch, waits for them all.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "sim/engine/rank_context.h"

namespace dtsim {

class ReplyCouriers {
 public:
  // For a server that replies to up to `workers` workers at once, beside `servers` servers.
  ReplyCouriers(long workers, long servers);
  // Sends `message` to each of `peers` from the server `ctx`, in that order, at this simulated time;
  // never blocks the caller.
  void send_all(RankContext& ctx, const std::vector<int>& peers, const Message& message);
  // Sends one reply from the server `ctx` at this simulated time, after every reply handed over before
  // it; never blocks. Single replies fill an open courier, which posts each as it comes and waits for
  // them once it holds a batch (the asynchronous PS replies one push at a time).
  void send_one(RankContext& ctx, int peer, Message message);
  // Couriers per server: batches of 64 replies, but at most a quarter of the workers (+ 64) over all
  // servers, since each actor costs memory mappings (simgrid_setup.cpp counts them in advance).
  static long couriers_for(long workers, long servers);

 private:
  struct Courier;
  static void serve(Courier& courier);  // a courier's actor
  Courier* idle_courier();              // nullptr when all are busy and no more may be created
  void close_open();                    // the open courier takes no more and waits once posted
  std::vector<std::shared_ptr<Courier>> couriers_;
  std::size_t next_ = 0;      // where to look for an idle courier first
  Courier* last_ = nullptr;   // the last courier handed replies: later ones are posted after its posts
  Courier* open_ = nullptr;   // the courier taking single replies (send_one), if any
  std::size_t max_couriers_;
  std::size_t batch_;
};

}  // namespace dtsim
