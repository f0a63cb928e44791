// Actor context settings from the rank count (sim/engine/actor_contexts.h): guarded stacks while two
// mappings per actor fit under vm.max_map_count, no guard beyond.
#include <doctest/doctest.h>

#include <string>

#include "sim/engine/actor_contexts.h"

TEST_CASE("actor contexts: stack guards kept while they fit under vm.max_map_count, dropped beyond") {
  const long linux_default = 65530;
  // 16,384 ranks: 2 x 16,448 + 4096 = 36,992 mappings fit.
  const dtsim::ContextSettings small = dtsim::context_settings(16384 + 64, linux_default);
  CHECK(small.guard_pages == 1);
  CHECK(small.stack_kib == 1024);
  CHECK(small.note.empty());
  // The boundary: 2 a + 4096 <= 65,530 <=> a <= 30,717.
  CHECK(dtsim::context_settings(30717, linux_default).guard_pages == 1);
  CHECK(dtsim::context_settings(30718, linux_default).guard_pages == 0);
  // 65,536 ranks: SimGrid would abort with "Failed to protect stack"; no guard instead, and the note says why.
  const dtsim::ContextSettings large = dtsim::context_settings(65536 + 8192 + 64, linux_default);
  CHECK(large.guard_pages == 0);
  CHECK(large.stack_kib == 1024);
  INFO(large.note);
  CHECK(large.note.find("vm.max_map_count (65530)") != std::string::npos);
  // A machine with a raised limit keeps the guards.
  CHECK(dtsim::context_settings(65536 + 8192 + 64, 262144).guard_pages == 1);
  CHECK(dtsim::system_max_map_count() > 0);
}
