// Helpers for the sweep tests: sweep files in a temp dir, the dtsim binary in the background,
// results.jsonl as rows.
#pragma once
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace dtsim::sweeptest {

using nlohmann::json;

inline std::string write_json(const std::string& path, const json& document) {
  std::ofstream(path) << document.dump(2);
  return path;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

inline std::vector<json> jsonl_rows(const std::string& path) {
  std::vector<json> rows;
  for (const std::string& line : lines_of(dtsim::test::read_file(path))) rows.push_back(json::parse(line));
  return rows;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Starts the dtsim binary with `args` in the background (stdout/stderr to files in `log_dir`).
inline pid_t spawn_dtsim(const std::vector<std::string>& args, const std::string& log_dir) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open((log_dir + "/bg.stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open((log_dir + "/bg.stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<std::string> text = {DTSIM_BINARY};
    text.insert(text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : text) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// The ids of `dtsim sweep FILE --list` (with extra args), in list order, and their states.
inline std::vector<std::pair<std::string, std::string>> list_points(const std::string& file,
                                                                    const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"sweep", file, "--list"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = dtsim::test::run_dtsim(args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::vector<std::pair<std::string, std::string>> points;
  for (const std::string& line : lines_of(r.out)) {
    std::istringstream in(line);
    std::string index, id, state;
    in >> index >> id >> state;
    points.emplace_back(id, state);
  }
  return points;
}

}  // namespace dtsim::sweeptest
