// One dtsim binary for every machine: it links no CUDA library and loads the CUDA module
// (libdtsim_cuda.so) only for backend "cuda"; where that cannot run, the run is refused as bad input
// naming /workload/backend.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "kernels/cuda/cuda_backend.h"
#include "tests/support/test_support.h"

namespace {

using dtsim::test::CommandResult;

// A real-numerics scenario (least squares, 2 ranks) with backend "cuda", written to dir/cuda.json.
std::string write_cuda_scenario(const std::string& dir) {
  nlohmann::json s = dtsim::test::base_scenario(2);
  s["workload"] = dtsim::test::least_squares_workload(4, 8, 0.0, 0.05);
  s["workload"]["backend"] = "cuda";
  const std::string path = dir + "/cuda.json";
  std::ofstream(path) << s.dump(2);
  return path;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cli: the dtsim binary links no CUDA library") {
  std::FILE* pipe = ::popen(("ldd '" + std::string(DTSIM_BINARY) + "' 2>&1").c_str(), "r");
  std::string listing;
  char buffer[512];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe)) listing += buffer;
  const int status = pipe ? ::pclose(pipe) : -1;
  if (status != 0 || !contains(listing, "libc.so")) {
    dtsim::test::skip_test("ldd could not list the binary's libraries: " + listing);
    return;
  }
  INFO(listing);
  CHECK_FALSE(contains(listing, "libcublas"));
  CHECK_FALSE(contains(listing, "libcudart"));
  CHECK_FALSE(contains(listing, "libcuda."));
}

TEST_CASE("cli: backend cuda without its module is bad input naming /workload/backend") {
  const std::string dir = dtsim::test::make_temp_dir();
  const std::string missing = dir + "/nowhere/libdtsim_cuda.so";
  ::setenv("DTSIM_CUDA_MODULE", missing.c_str(), 1);
  const CommandResult r = dtsim::test::run_dtsim({"run", write_cuda_scenario(dir), "--out", dir + "/out"});
  ::unsetenv("DTSIM_CUDA_MODULE");
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "error: /workload/backend: \"cuda\" cannot run on this machine"));
  CHECK(contains(r.err, missing));  // where it looked
  CHECK(contains(r.err, "use \"cpu\""));
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out"));  // nothing written
  // validate only reads: the same scenario is valid on a machine that cannot run it.
  ::setenv("DTSIM_CUDA_MODULE", missing.c_str(), 1);
  const CommandResult v = dtsim::test::run_dtsim({"validate", dir + "/cuda.json"});
  ::unsetenv("DTSIM_CUDA_MODULE");
  CHECK(v.exit_code == 0);
}

TEST_CASE("cli: backend cuda runs where a GPU is usable, else is refused") {
  const std::string dir = dtsim::test::make_temp_dir();
  const auto status = dtsim::kernels::cuda::device_status();
  const CommandResult r = dtsim::test::run_dtsim({"run", write_cuda_scenario(dir), "--out", dir + "/out", "--json"});
  INFO(status.message, "\n", r.err);
  if (status.usable()) {
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["numerics"]["backend"] == "cuda");
  } else {
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "/workload/backend"));
    CHECK(contains(r.err, status.message));
  }
}
