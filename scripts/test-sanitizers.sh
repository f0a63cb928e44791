#!/usr/bin/env bash
# CI (.ci/run), after scripts/test.sh: the whole test suite built with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer (./build-asan, -DDTSIM_FUZZ=ON, which also builds
# the libFuzzer harnesses with the same instrumentation), then a short fuzzing campaign on the input
# parsers (scripts/fuzz.sh, SECONDS per harness, default 60) and 400 random scenarios run whole
# (scripts/scenario_campaign.py). Any sanitizer report fails its test:
# UBSan does not recover, ASan aborts. Exits non-zero if a test or a harness fails.
#   scripts/test-sanitizers.sh [SECONDS_PER_HARNESS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
scripts/install-deps.sh clang libclang-rt-dev
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# -O2 -g1: ASan works at any optimisation level; -O2 (not the customary -O1) because Eigen's kernels
# at -O1 made the real-numerics tests the slowest part of the run. -g1 keeps line tables for reports.
# Eigen's headers are left uninstrumented (cmake/sanitizer-ignorelist.txt): with both, the suite
# took 11 min at -j2 on 2 cores instead of 37.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1" \
  -DCMAKE_CXX_COMPILER=clang++ -DDTSIM_FUZZ=ON "${launcher[@]}" >/dev/null
cmake --build build-asan -j"$(nproc)"
# Leak checking stays on. detect_stack_use_after_return stays off: SimGrid (not instrumented) switches
# its actors' stacks itself, which ASan's fake stacks cannot follow.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir build-asan -j"$(nproc)" --output-on-failure --timeout 1800
scripts/fuzz.sh "$seconds" build-asan
# Whole simulations of random scenarios (shipped ones with a few keys changed), sanitizers on: no
# crash, hang, sanitizer report or error without its JSON path (about a minute on 2 cores).
python3 scripts/scenario_campaign.py build-asan/dtsim --seeds 0:400 --jobs "$(nproc)" --timeout 600
