#!/usr/bin/env bash
# A timed libFuzzer campaign on dtsim's input parsers: each harness of tests/fuzz (scenario file,
# --set items, sweep file, unit strings) runs SECONDS (default 60) with AddressSanitizer and
# UndefinedBehaviorSanitizer, starting from the committed seed corpus and the dictionary.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS] [BUILD_DIR]     (BUILD_DIR default: build-asan)
# Needs clang with libFuzzer (Debian: clang and libclang-rt-dev; clang-14 on bookworm). New inputs a
# campaign finds go to BUILD_DIR/fuzz/corpus/<harness>, crash reproducers to BUILD_DIR/fuzz/artifacts/
# <harness>/: add a reproducer to tests/fuzz/corpus/<harness>/ with its fix, so that the corpus replay
# in the normal suite keeps checking it. Prints the executions per harness and in total; exits 1 if any
# harness found a crash, a leak, a sanitizer report or a timeout (> 10 s on one input).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
build="${2:-build-asan}"
harnesses=(scenario set sweep units)

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# The same configuration as scripts/test-sanitizers.sh, so that both share one build directory.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1" \
  -DCMAKE_CXX_COMPILER=clang++ -DDTSIM_FUZZ=ON "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"

# detect_stack_use_after_return is on here, unlike in scripts/test-sanitizers.sh: the harnesses parse
# and validate without starting SimGrid actors, whose hand-switched stacks ASan's fake stacks cannot follow.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
total=0
failed=()
for h in "${harnesses[@]}"; do
  corpus="$build/fuzz/corpus/$h"
  artifacts="$build/fuzz/artifacts/$h/"
  mkdir -p "$corpus" "$artifacts"
  log="$build/fuzz/$h.log"
  # The first corpus folder receives new inputs; the committed seeds are read only.
  if "$build/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
       -dict=tests/fuzz/dtsim.dict -artifact_prefix="$artifacts" -print_final_stats=1 \
       "$corpus" "tests/fuzz/corpus/$h" >"$log" 2>&1; then
    status=ok
  else
    status="FAILED (see $log and $artifacts)"
    failed+=("$h")
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  runs="${runs:-0}"
  total=$((total + runs))
  echo "fuzz: $h: $runs executions (limit ${seconds} s), corpus $(ls "$corpus" | wc -l) inputs: $status"
done
echo "fuzz: $total executions across ${#harnesses[@]} harnesses"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
