// Page-aligned actor stacks without guard pages (sim/engine/stack_arena.h).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "sim/engine/stack_arena.h"
#include "tests/support/test_support.h"

TEST_CASE("stack arena: page-aligned stacks of the reserved size, a page apart, zero, until the slots run out") {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t stack = 16 * page;
  dtsim::StackArena arena;
  CHECK(arena.take(stack) == nullptr);  // nothing reserved yet
  CHECK_FALSE(arena.reserve(3, stack + 1));  // not a whole number of pages
  CHECK_FALSE(arena.reserve(0, stack));
  REQUIRE(arena.reserve(3, stack));
  CHECK_FALSE(arena.reserve(3, stack));  // once only
  CHECK(arena.slot_stride() == stack + page);
  CHECK(arena.take(stack - page) == nullptr);  // another size: not a stack
  char* first = static_cast<char*>(arena.take(stack));
  char* second = static_cast<char*>(arena.take(stack));
  char* third = static_cast<char*>(arena.take(stack));
  REQUIRE(first != nullptr);
  REQUIRE(second != nullptr);
  REQUIRE(third != nullptr);
  CHECK(arena.take(stack) == nullptr);  // exhausted: the caller falls back to its allocator
  CHECK(arena.taken() == 4);
  // The top of each stack (where a context's first frames go) starts a page.
  for (char* s : {first, second, third}) {
    CHECK(reinterpret_cast<std::uintptr_t>(s) % page == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(s + stack) % page == 0);
    CHECK(arena.owns(s));
    CHECK(arena.owns(s + stack - 1));
    bool zero = true;
    for (std::size_t i = 0; i < stack; i += 512) zero = zero && s[i] == 0;
    CHECK(zero);
  }
  CHECK(second - first == static_cast<std::ptrdiff_t>(stack + page));
  CHECK(third - second == static_cast<std::ptrdiff_t>(stack + page));
  std::memset(second, 0x5a, stack);  // writable, and the neighbours are untouched
  CHECK(first[stack - 1] == 0);
  CHECK(third[0] == 0);
  int outside = 0;
  CHECK_FALSE(arena.owns(&outside));
}

TEST_CASE("stack arena: the tests' own calloc is the C library's (only the dtsim program routes stacks)") {
  CHECK_FALSE(dtsim::stacks_from_arena());
}

TEST_CASE("stack arena: dtsim runs 31,000 ranks, past where the stack guards are dropped") {
  // 31,000 ranks + 64 actors need 2 x 31,064 + 4096 mappings with guards, over Linux's default limit,
  // so the stacks come without guards: from the arena where dtsim uses jemalloc, else from calloc.
  const std::string dir = dtsim::test::make_temp_dir();
  const auto r = dtsim::test::run_dtsim({"run", std::string(DTSIM_SOURCE_DIR) + "/scenarios/quickstart.json", "--out",
                                         dir + "/out", "-q", "--set", "/cluster/nodes=31000", "--set",
                                         "/network/fidelity=fast", "--set", "/output/trace=false", "--set",
                                         "/output/links=false", "--set", "/run/iterations=1", "--set",
                                         "/run/warmup_iterations=0"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::ifstream in(dir + "/out/summary.json");
  const nlohmann::json summary = nlohmann::json::parse(in);
  CHECK(summary["ranks"].get<int>() == 31000);
  // The ring's closed form after the compute (Patarasuk & Yuan): 2 (p - 1) alpha + 2 n (p - 1) / p beta,
  // alpha two 5 us links, beta 25 Gbps (the quick start's switch).
  const double p = 31000, n = summary["message_bytes"].get<double>();
  const double ring = 2 * (p - 1) * 10e-6 + 2 * n * (p - 1) / p * 8 / 25e9;
  const double exchange = summary["iteration_time_s"].get<double>() - summary["compute_time_s"].get<double>();
  INFO("exchange " << exchange << " s, closed form " << ring << " s");
  CHECK(std::abs(exchange - ring) / ring <= 1e-6);
}
