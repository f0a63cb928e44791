# Sanitizer and fuzzing builds (scripts/test-sanitizers.sh, scripts/fuzz.sh). Both are off by default:
# a normal build is unaffected.
#   -DDTSIM_SANITIZE=ON  every target built with AddressSanitizer + UndefinedBehaviorSanitizer; any UB
#                        report aborts (-fno-sanitize-recover), so a test with a report fails.
#   -DDTSIM_FUZZ=ON      also the libFuzzer harnesses of tests/fuzz (clang only; implies DTSIM_SANITIZE);
#                        the libraries get libFuzzer's coverage instrumentation (fuzzer-no-link).
option(DTSIM_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(DTSIM_FUZZ "Build the libFuzzer harnesses in tests/fuzz (clang)" OFF)
if(DTSIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DTSIM_FUZZ needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(DTSIM_SANITIZE ON)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link>)
  # No coverage counters in Eigen's kernels either (cmake/sanitizer-ignorelist.txt).
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/cmake/sanitizer-ignorelist.txt>")
endif()
# Time limits of the tests that run dtsim many times (CTest TIMEOUT, and the per-run limits of the
# scripts they call, which read DTSIM_TIMEOUT_SCALE) grow by this factor: instrumented code runs 2-5x
# slower, more on a loaded machine. The limits guard against hangs, not against slowness.
set(DTSIM_TIMEOUT_SCALE 1)
if(DTSIM_SANITIZE)
  set(DTSIM_TIMEOUT_SCALE 4)
  # C++ only: nvcc (the CUDA backend) takes no such flags.
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined;-fno-sanitize-recover=undefined;-fno-omit-frame-pointer>")
  add_link_options($<$<LINK_LANGUAGE:CXX>:-fsanitize=address,undefined>)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")  # Eigen's headers uninstrumented: cmake/sanitizer-ignorelist.txt
    add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/cmake/sanitizer-ignorelist.txt>")
  endif()
endif()
