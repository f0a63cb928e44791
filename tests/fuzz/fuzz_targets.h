// The fuzzing targets: each feeds arbitrary bytes to one input parser the command line uses, exactly
// as the command line does. A target returns normally on any input; a crash, an uncaught exception, a
// sanitizer report or a hang is a defect. The libFuzzer binaries (libfuzzer_entry.cc, built with
// -DDTSIM_FUZZ=ON) and the corpus replay in the normal suite (test_fuzz_corpus_replay.cpp) call them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace dtsim::fuzz {

// The bytes as a scenario file: load_scenario (read, parse, validate), as `dtsim run|validate FILE`.
void scenario_file(const std::uint8_t* data, std::size_t size);
// One "--set" item per line, applied to a small valid scenario: parse_override on each item, then
// load_scenario with all of them, as `dtsim run FILE --set ITEM...`.
void set_overrides(const std::uint8_t* data, std::size_t size);
// The bytes as a sweep file in a directory beside the shipped scenarios (so "base": "../quickstart.json"
// resolves): load_sweep, which expands the points and validates each, as `dtsim sweep FILE`.
void sweep_file(const std::uint8_t* data, std::size_t size);
// The bytes as a quantity: parse_bandwidth, parse_duration and parse_size (sim/base/units.h).
void unit_text(const std::uint8_t* data, std::size_t size);

// The targets by name ("scenario", "set", "sweep", "units"); nullptr for another name.
using Target = void (*)(const std::uint8_t*, std::size_t);
Target target_named(const std::string& name);

}  // namespace dtsim::fuzz
