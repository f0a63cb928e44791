// fast::meet_after against what it replaces in the fast ring (a latency wait, then the meeting).
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include <simgrid/s4u.hpp>

#include "algorithms/collectives/fast.h"
#include "sim/engine/rank_context.h"
#include "tests/support/test_support.h"

namespace sg4 = simgrid::s4u;
using nlohmann::json;

namespace {

constexpr int kMembers = 16;

// Member i arrives at a staggered instant (several at once), waits `wait(i)` and meets the group with
// the value i + 1, twice in a row; `folded`: through meet_after, else latency_wait then meet. Returns
// each member's release times and the sums it got.
json meet_twice(bool folded, double (*wait)(int)) {
  return dtsim::test::simulate_actors(kMembers, 0, [&](dtsim::Cluster& cluster, json& out) {
    std::vector<int> group(kMembers);
    for (int i = 0; i < kMembers; ++i) group[i] = i;
    out = json::array();
    for (int i = 0; i < kMembers; ++i) out.push_back(json::array());
    for (int i = 0; i < kMembers; ++i)
      sg4::Actor::create("m" + std::to_string(i), cluster.hosts[i], [&cluster, &out, group, folded, wait, i] {
        dtsim::RankContext ctx(cluster, i);
        for (int round = 0; round < 2; ++round) {
          sg4::this_actor::sleep_for(((i * 7) % 5) * 1.3e-4 + 1e-3);
          std::vector<float> mine{static_cast<float>(i + 1)};
          std::shared_ptr<dtsim::fast::Meeting> m;
          if (folded) {
            m = dtsim::fast::meet_after(ctx, group, mine, wait(i));
          } else {
            dtsim::fast::latency_wait(ctx, wait(i));
            m = dtsim::fast::meet(ctx, group, mine);
          }
          out[i].push_back({sg4::Engine::get_clock(), m->sum().at(0)});
        }
      });
  });
}

double uniform_wait(int) { return 7.5e-5; }
double uneven_wait(int i) { return 1e-5 * (1 + (i * 5) % 7); }

}  // namespace

TEST_CASE("fast meeting: meet_after releases at the same instants as a latency wait then the meeting") {
  // Every member waiting as long (a ring on one switch): the same times bit for bit.
  const json two_calls = meet_twice(false, uniform_wait);
  const json folded = meet_twice(true, uniform_wait);
  INFO(two_calls.dump() << "\n" << folded.dump());
  CHECK(folded == two_calls);
  const double sum = kMembers * (kMembers + 1) / 2.0;
  CHECK(folded[0][0][1].get<double>() == sum);
  // Waits of different lengths (routes of different latencies): every member is released when the
  // last wait ends, the latest of arrival + wait, to SimGrid's timing precision.
  const json uneven_two = meet_twice(false, uneven_wait);
  const json uneven_folded = meet_twice(true, uneven_wait);
  INFO(uneven_two.dump() << "\n" << uneven_folded.dump());
  for (int i = 0; i < kMembers; ++i)
    for (int round = 0; round < 2; ++round) {
      CHECK(uneven_folded[i][round][0].get<double>() ==
            doctest::Approx(uneven_two[i][round][0].get<double>()).epsilon(1e-12));
      CHECK(uneven_folded[i][round][1] == uneven_two[i][round][1]);
    }
  // And the waits matter: the release is later than the last arrival.
  CHECK(uneven_folded[0][0][0].get<double>() > 1e-3 + 4 * 1.3e-4);
}

// Meetings tell groups apart by first member, size and last member. A different group with the same
// three, entered while a meeting of the first is open, is refused loudly instead of being mixed in:
// here [0, 1, 3] meets while member 2 enters [0, 2, 3].
TEST_CASE("fast meeting: a different group with the same first and last members is refused, not mixed") {
  const json out = dtsim::test::simulate_actors(4, 0, [&](dtsim::Cluster& cluster, json& result) {
    result = json::object();
    for (int i = 0; i < 4; ++i)
      sg4::Actor::create("m" + std::to_string(i), cluster.hosts[i], [&cluster, &result, i] {
        dtsim::RankContext ctx(cluster, i);
        const std::vector<int> group = i == 2 ? std::vector<int>{0, 2, 3} : std::vector<int>{0, 1, 3};
        sg4::this_actor::sleep_for(i == 0 ? 0 : i == 2 ? 1e-3 : 2e-3);
        try {
          auto m = dtsim::fast::meet(ctx, group, {static_cast<float>(i + 1)});
          result[std::to_string(i)] = m->sum().at(0);
        } catch (const std::logic_error& e) {
          result[std::to_string(i)] = std::string(e.what());
        }
      });
  });
  INFO(out.dump());
  // Members 0, 1 and 3 meet as [0, 1, 3]: 1 + 2 + 4.
  CHECK(out["0"] == 7.0);
  CHECK(out["1"] == 7.0);
  CHECK(out["3"] == 7.0);
  REQUIRE(out["2"].is_string());
  CHECK(dtsim::test::contains(out["2"].get<std::string>(), "entered with different members"));
}
