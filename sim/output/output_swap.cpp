#include "sim/output/output_swap.h"

#include "sim/base/atomic_file.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/types.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace dtsim {
namespace {

const char* const kOwnFiles[] = {"summary.json", "iterations.csv", "trace.json", "trace.json.gz", "links.csv"};
const std::string kStagingTag = ".dtsim-staging.";

bool is_own_file(const std::string& name) {
  for (const char* own : kOwnFiles)
    if (name == own) return true;
  return false;
}

// Staging directories of killed runs beside `dir` (their temporaries inside `dir` go in
// prepare_output_dir).
void remove_stale_staging(const fs::path& dir) {
  std::error_code ec;
  const std::string prefix = "." + dir.filename().string() + kStagingTag;
  for (const auto& entry : fs::directory_iterator(dir.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && names_dead_process(name, kStagingTag)) fs::remove_all(entry.path(), ec);
  }
  remove_stale_temporaries(dir.string());
}

// The exchange is only safe for a directory of plain files that is not our working directory: the
// foreign files can be carried by hard links, and nobody is left standing in a deleted directory.
bool can_exchange(const fs::path& dir) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (ec) return false;
  const fs::path real = fs::weakly_canonical(dir, ec);
  if (ec) return false;
  const std::string real_s = real.string(), cwd_s = fs::weakly_canonical(cwd, ec).string();
  if (cwd_s == real_s || cwd_s.rfind(real_s + "/", 0) == 0) return false;
  if (real == real.root_path()) return false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (is_own_file(entry.path().filename().string())) continue;
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) return false;
  }
  return !ec;
}

bool exchange_paths(const std::string& a, const std::string& b) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
#else
  (void)a, (void)b;
  errno = ENOSYS;
  return false;
#endif
}

std::string system_error(const std::string& what) { return what + " (" + std::strerror(errno) + ")"; }

}  // namespace

void output_swap_test_hook(int step) {
  const char* at = std::getenv("DTSIM_TEST_KILL_AT_STEP");
  if (at && std::atoi(at) == step) ::raise(SIGKILL);
}

OutputSwap::OutputSwap(std::string dir) {
  std::error_code ec;
  // The real directory: a symlink named as output.dir stays a symlink, to the swapped directory.
  fs::path path = fs::weakly_canonical(fs::absolute(fs::path(dir)), ec);
  if (ec) path = fs::absolute(fs::path(dir)).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();  // "out/" -> "out"
  dir_ = path.string();
  remove_stale_staging(path);
  staging_ = (path.parent_path() / ("." + path.filename().string() + kStagingTag + std::to_string(::getpid()))).string();
  fs::remove_all(staging_, ec);
  if (!fs::create_directory(staging_, ec) || ec)
    throw std::runtime_error("output directory \"" + dir + "\": cannot create the staging directory " + staging_ +
                             " beside it (" + ec.message() + ")");
  fs::permissions(staging_, fs::status(path, ec).permissions(), ec);  // the swapped-in directory keeps its mode
}

OutputSwap::~OutputSwap() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void OutputSwap::commit() {
  std::error_code ec;
  output_swap_test_hook(1);
  if (fs::is_empty(dir_, ec) && !ec) {
    output_swap_test_hook(2);
    if (std::rename(staging_.c_str(), dir_.c_str()) == 0) {  // replaces an empty directory in one step
      committed_ = true;
      output_swap_test_hook(3);
      return;
    }
  } else if (can_exchange(dir_)) {
    bool carried = true;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      if (is_own_file(name) || name.find(".tmp.") != std::string::npos) continue;
      if (::link(entry.path().c_str(), staged(name).c_str()) != 0) carried = false;
    }
    output_swap_test_hook(2);
    if (carried && !ec && exchange_paths(staging_, dir_)) {
      committed_ = true;
      output_swap_test_hook(3);
      fs::remove_all(staging_, ec);  // the old run; a kill here leaves it for the next run to remove
      return;
    }
  }
  // Fallback: one file at a time. The old summary.json goes first and the new one comes last, so
  // that a run directory with a summary.json is never a half-replaced one.
  fs::remove(dir_ + "/summary.json", ec);
  for (const char* own : kOwnFiles) {
    const std::string from = staged(own), to = dir_ + "/" + own;
    if (std::string(own) == "summary.json") continue;
    if (fs::exists(from, ec)) {
      if (std::rename(from.c_str(), to.c_str()) != 0) throw std::runtime_error(system_error(to + ": cannot rename into place"));
    } else {
      fs::remove(to, ec);  // an earlier run's file the new run does not have
    }
  }
  const std::string summary = dir_ + "/summary.json";
  if (std::rename(staged("summary.json").c_str(), summary.c_str()) != 0)
    throw std::runtime_error(system_error(summary + ": cannot rename into place"));
  committed_ = true;
  fs::remove_all(staging_, ec);
}

}  // namespace dtsim
