#include "tests/fuzz/fuzz_targets.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "sim/app/sweep.h"
#include "sim/base/units.h"
#include "sim/engine/load_scenario.h"

namespace fs = std::filesystem;

namespace dtsim::fuzz {
namespace {

// A private directory per process: <tmp>/dtsim-fuzz-<pid>/ holding copies of the shipped scenarios
// (sweep bases), a small valid scenario for --set, and studies/ for the sweep file under test.
const std::string& work_dir() {
  static const std::string dir = [] {
    const fs::path d = fs::temp_directory_path() / ("dtsim-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d / "studies");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(DTSIM_SOURCE_DIR) / "scenarios", ec))
      if (e.path().extension() == ".json") fs::copy_file(e.path(), d / e.path().filename(), fs::copy_options::overwrite_existing, ec);
    std::ofstream(d / "small.json")
        << R"({"name":"small","cluster":{"nodes":4},"network":{"topology":"switch","bandwidth":"10Gbps",)"
           R"("latency":"2us","model":"exact"},"workload":{"params":1000,"compute_time":"1ms"},)"
           R"("run":{"iterations":2,"warmup_iterations":0}})";
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(fs::temp_directory_path() / ("dtsim-fuzz-" + std::to_string(::getpid())), ignored);
    });
    return d.string();
  }();
  return dir;
}

std::string write(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();  // the harness itself is broken: say so loudly
  if (size > 0) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace

void scenario_file(const std::uint8_t* data, std::size_t size) {
  (void)load_scenario(write(work_dir() + "/scenario.json", data, size));
}

void set_overrides(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> items;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (std::size_t begin = 0; begin <= text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    items.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  for (const std::string& item : items) {
    std::string pointer;
    nlohmann::json value;
    (void)parse_override(item, pointer, value);
  }
  (void)load_scenario(work_dir() + "/small.json", items);
}

void sweep_file(const std::uint8_t* data, std::size_t size) {
  (void)load_sweep(write(work_dir() + "/studies/sweep.json", data, size));
}

void unit_text(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (auto parse : {units::parse_bandwidth, units::parse_duration, units::parse_size})
    if (std::optional<double> v = parse(text); v && std::isnan(*v)) std::abort();  // a quantity is never NaN
}

Target target_named(const std::string& name) {
  if (name == "scenario") return scenario_file;
  if (name == "set") return set_overrides;
  if (name == "sweep") return sweep_file;
  if (name == "units") return unit_text;
  return nullptr;
}

}  // namespace dtsim::fuzz
