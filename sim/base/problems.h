// The one way a command reports bad input: one "error: /json/path: message" line per problem, then a
// count and what was (not) done, and the bad-input exit code.
#pragma once
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace dtsim {

// Exit codes of every command: 0 success, 1 a failure while running, 2 bad input.
constexpr int kExitFailure = 1;
constexpr int kBadInput = 2;

// Bad input that only a simulation can reveal (a scheduled failure after the run's end): thrown before
// any output is written, reported like the other problems, with exit code kBadInput.
struct BadInputError : std::runtime_error {
  explicit BadInputError(std::vector<std::string> lines)
      : std::runtime_error(lines.empty() ? std::string("bad input") : lines.front()), problems(std::move(lines)) {}
  std::vector<std::string> problems;  // "/json/path: message", one per problem
};

// Prints the problems and "N problem(s) found; <consequence>" (e.g. "nothing was run or written");
// returns kBadInput.
int report_problems(const std::vector<std::string>& problems, std::ostream& err,
                    const std::string& consequence = "nothing was run or written");

}  // namespace dtsim
