// The parameter servers' message plumbing at scale (algorithms/training/ps_exchange.h,
// sim/engine/reply_couriers.h), against the simple forms it replaces, in one simulation: two servers
// on identical hosts get the same traffic, one through the simple form and one through the scalable
// one, and must see the same messages in the same order at the same simulated times (exactly: the
// two servers' transfers are symmetric).
#include <doctest/doctest.h>

#include <functional>
#include <numeric>
#include <vector>

#include <simgrid/s4u.hpp>

#include "algorithms/training/ps_exchange.h"
#include "sim/app/child_process.h"
#include "sim/engine/reply_couriers.h"
#include "sim/engine/simgrid_setup.h"
#include "sim/plugin/physical_topology.h"
#include "tests/support/test_support.h"

namespace sg4 = simgrid::s4u;
using nlohmann::json;

namespace {

constexpr int kWorkers = 64;
constexpr int kServerA = kWorkers, kServerB = kWorkers + 1;  // endpoints

// Runs `body(cluster)` in a fresh simulation of 64 workers and 2 servers on a 10 Gbps switch.
json simulate_plumbing(const std::function<void(dtsim::Cluster&, json&)>& body) {
  return dtsim::test::simulate_actors(kWorkers, 2, body);
}

// A reply of round `round`: its version, and a size that differs from round to round.
dtsim::Message versioned_reply(int round) {
  dtsim::Message m{20000.0 * round, {}};
  m.header.version = round;
  return m;
}

// Worker w reads `rounds` replies from each server from (w % 5) x 0.4 ms on, A's then B's, and
// records version, arrival time and bytes of each under out["couriers"] (A) and out["detached"] (B).
void start_readers(dtsim::Cluster& cluster, json& out, int rounds) {
  for (int w = 0; w < kWorkers; ++w)
    sg4::Actor::create("w" + std::to_string(w), cluster.hosts[w], [&cluster, &out, w, rounds] {
      dtsim::RankContext ctx(cluster, w);
      sg4::this_actor::sleep_for((w % 5) * 0.4e-3);
      for (int round = 0; round < rounds; ++round) {
        auto a = ctx.irecv(kServerA);
        auto b = ctx.irecv(kServerB);
        const dtsim::Message from_a = ctx.wait(a);
        const double at_a = ctx.now();
        const dtsim::Message from_b = ctx.wait(b);
        out["couriers"][w].push_back({from_a.header.version, at_a, from_a.bytes});
        out["detached"][w].push_back({from_b.header.version, ctx.now(), from_b.bytes});
      }
    });
}

// Every worker got A's rounds in order, and the same arrivals from both servers: each worker waits
// for A's reply then B's, and the two are symmetric, so the times must agree exactly.
void check_same_arrivals_in_order(const json& r, int rounds) {
  INFO(r.dump());
  REQUIRE(r["couriers"].size() == static_cast<std::size_t>(kWorkers));
  for (int w = 0; w < kWorkers; ++w) {
    INFO("worker " << w);
    const json& a = r["couriers"][w];
    REQUIRE(a.size() == static_cast<std::size_t>(rounds));
    for (int round = 0; round < rounds; ++round) CHECK(a[round][0].get<int>() == round + 1);  // in order
  }
  CHECK(r["couriers"] == r["detached"]);
}

}  // namespace

TEST_CASE("server event loop: eight inboxes take the pushes in posting order, at the times one inbox does") {
  // Workers post at staggered instants (several at once) messages of different sizes, so that the
  // transfers end in another order than they were posted; a server takes them first posted, first taken.
  const json r = simulate_plumbing([](dtsim::Cluster& cluster, json& out) {
    auto one_inbox = std::make_shared<dtsim::ServerEventLoop>(1);
    auto eight_inboxes = std::make_shared<dtsim::ServerEventLoop>(8);
    for (int w = 0; w < kWorkers; ++w)
      sg4::Actor::create("w" + std::to_string(w), cluster.hosts[w], [&cluster, &out, one_inbox, eight_inboxes, w] {
        dtsim::RankContext ctx(cluster, w);
        // From 1 us: the servers claim their inboxes at 0 (RankContext::irecv_any).
        sg4::this_actor::sleep_for(((w * 7) % 13 + 1) * 1e-6);
        const dtsim::Message m{1000.0 + ((w * 37) % 11) * 50000.0, {}};
        out["posted"].push_back(w);  // no simcall between this and the post
        auto a = one_inbox->push(ctx, kServerA, m);
        auto b = eight_inboxes->push(ctx, kServerB, m);
        ctx.wait(a);
        out["arrived"][std::to_string(w)] = ctx.now();  // its transfer to A ended
        ctx.wait(b);
      });
    auto serve = [&cluster, &out](int endpoint, std::shared_ptr<dtsim::ServerEventLoop> loop, const char* key) {
      sg4::Actor::create(key, cluster.hosts[endpoint], [&cluster, &out, endpoint, loop, key] {
        dtsim::RankContext ctx(cluster, endpoint);
        for (int i = 0; i < kWorkers; ++i) {  // (not a daemon: the run lasts until it has them all)
          dtsim::ServerEventLoop::Push push = loop->next_push(ctx);
          out[key].push_back({push.worker, ctx.now()});
        }
      });
    };
    serve(kServerA, one_inbox, "one_inbox");
    serve(kServerB, eight_inboxes, "eight_inboxes");
  });
  INFO(r.dump());
  REQUIRE(r["one_inbox"].size() == static_cast<std::size_t>(kWorkers));
  CHECK(r["eight_inboxes"] == r["one_inbox"]);  // same workers in the same order, bit-identical times
  // First posted, first taken (the engine's order among workers posting at the same instant).
  REQUIRE(r["posted"].size() == static_cast<std::size_t>(kWorkers));
  std::vector<int> taken;
  for (const json& push : r["one_inbox"]) taken.push_back(push[0].get<int>());
  CHECK(json(taken) == r["posted"]);
  // And the check has teeth: some push arrived before the one taken ahead of it.
  bool overtaken = false;
  for (std::size_t i = 1; i < taken.size(); ++i)
    overtaken = overtaken || r["arrived"][std::to_string(taken[i])].get<double>() <
                                 r["arrived"][std::to_string(taken[i - 1])].get<double>();
  CHECK(overtaken);
}

TEST_CASE("reply couriers: the same arrivals, in the same order, as detached sends, also with every courier busy") {
  // Server A replies through couriers (one courier of 64 here), server B detached, in four rounds:
  // two at once (the second finds the courier busy and goes after it), one at 1 ms, while replies to
  // late readers are still in flight, and one at 5 ms, when the courier is idle again. Worker w
  // reads at (w % 5) x 0.4 ms.
  const json r = simulate_plumbing([](dtsim::Cluster& cluster, json& out) {
    std::vector<int> all(kWorkers);
    std::iota(all.begin(), all.end(), 0);
    sg4::Actor::create("couriers", cluster.hosts[kServerA], [&cluster, all] {
      dtsim::RankContext ctx(cluster, kServerA);
      dtsim::ReplyCouriers couriers(kWorkers, 1);
      couriers.send_all(ctx, all, versioned_reply(1));
      couriers.send_all(ctx, all, versioned_reply(2));
      sg4::this_actor::sleep_until(1e-3);
      couriers.send_all(ctx, all, versioned_reply(3));
      sg4::this_actor::sleep_until(5e-3);
      couriers.send_all(ctx, all, versioned_reply(4));
    });
    sg4::Actor::create("detached", cluster.hosts[kServerB], [&cluster] {
      dtsim::RankContext ctx(cluster, kServerB);
      for (int round : {1, 2}) for (int w = 0; w < kWorkers; ++w) ctx.send_detached(w, versioned_reply(round));
      sg4::this_actor::sleep_until(1e-3);
      for (int w = 0; w < kWorkers; ++w) ctx.send_detached(w, versioned_reply(3));
      sg4::this_actor::sleep_until(5e-3);
      for (int w = 0; w < kWorkers; ++w) ctx.send_detached(w, versioned_reply(4));
    });
    start_readers(cluster, out, 4);
  });
  check_same_arrivals_in_order(r, 4);
}

TEST_CASE("reply couriers: single replies arrive as detached ones, through open, full, chained and no free couriers") {
  // Server A replies one worker at a time through couriers (three couriers of 64: one fills and waits
  // for its replies while the next takes over), server B detached, in the same order at the same
  // instants. Round 1: one reply every 10 us (fills the first courier). Rounds 2-4 at 1 ms, one
  // instant: 64 replies fill the second courier, 64 in reverse worker order the third (which must
  // post after the second), and 64 more find none free and go detached, after the third. Round 5 at
  // 5 ms: half single replies, half one send_all, at one instant. Rounds 6-8 at 8 ms: three couriers
  // in a chain, each posting after the one before (otherwise a worker's later round overtakes an
  // earlier one). Worker w reads at (w % 5) x 0.4 ms.
  constexpr int kRounds = 8;
  const json r = simulate_plumbing([](dtsim::Cluster& cluster, json& out) {
    std::vector<int> upper(kWorkers / 2);
    std::iota(upper.begin(), upper.end(), kWorkers / 2);
    // `one(w, round)` sends a single reply, `many(workers, round)` a round's update to several.
    auto script = [upper](const std::function<void(int, int)>& one,
                          const std::function<void(const std::vector<int>&, int)>& many) {
      for (int w = 0; w < kWorkers; ++w) {
        sg4::this_actor::sleep_until(w * 10e-6);
        one(w, 1);
      }
      // Three rounds at one instant, alternately in worker order and in reverse.
      auto burst = [&one](int first_round) {
        for (int round = first_round; round < first_round + 3; ++round)
          for (int i = 0; i < kWorkers; ++i) one(round % 2 == first_round % 2 ? i : kWorkers - 1 - i, round);
      };
      sg4::this_actor::sleep_until(1e-3);
      burst(2);
      sg4::this_actor::sleep_until(5e-3);
      for (int w = 0; w < kWorkers / 2; ++w) one(w, 5);
      many(upper, 5);
      sg4::this_actor::sleep_until(8e-3);
      burst(6);
    };
    sg4::Actor::create("couriers", cluster.hosts[kServerA], [&cluster, script] {
      dtsim::RankContext ctx(cluster, kServerA);
      dtsim::ReplyCouriers couriers(3 * kWorkers, 1);  // three couriers of 64
      script([&](int w, int round) { couriers.send_one(ctx, w, versioned_reply(round)); },
             [&](const std::vector<int>& ws, int round) { couriers.send_all(ctx, ws, versioned_reply(round)); });
    });
    sg4::Actor::create("detached", cluster.hosts[kServerB], [&cluster, script] {
      dtsim::RankContext ctx(cluster, kServerB);
      script([&](int w, int round) { ctx.send_detached(w, versioned_reply(round)); },
             [&](const std::vector<int>& ws, int round) {
               for (int w : ws) ctx.send_detached(w, versioned_reply(round));
             });
    });
    start_readers(cluster, out, kRounds);
  });
  check_same_arrivals_in_order(r, kRounds);
}
