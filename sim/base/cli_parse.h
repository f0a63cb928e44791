// The one way every dtsim command parses its arguments (CLI11): --help prints the command's usage on
// stdout (exit 0); an unknown option, a missing value or an unexpected argument is one line on stderr,
// "dtsim <command>: <what> (see dtsim <command> --help)", and the bad-input exit code.
#pragma once
#include <algorithm>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/base/problems.h"

namespace dtsim::cli {

// Prints "dtsim <command>: <message> (see dtsim <command> --help)" and returns kBadInput.
inline int usage_error(std::ostream& err, const std::string& command, const std::string& message) {
  err << "dtsim " << command << ": " << message << " (see dtsim " << command << " --help)\n";
  return kBadInput;
}

// CLI11's message for an option given without its value ("--nodes: 1 required TEXT missing") as
// "--nodes needs a value"; other messages unchanged.
inline std::string parse_error_message(const CLI::ParseError& e) {
  std::string m = e.what();
  const auto colon = m.find(": ");
  if (colon != std::string::npos && m.find(" required ", colon) != std::string::npos &&
      m.size() >= 8 && m.compare(m.size() - 8, 8, " missing") == 0)
    return m.substr(0, colon) + " needs a value";
  return m;
}

// A byte-size option: its flag, the text given and where the size read goes.
struct SizeOption {
  const char* flag;
  const std::string* text;
  double* into;
};

// Reads each size option the user gave with `parse` into its target; "" or the first problem:
// "--min-bytes: \"x\" is not a size; use e.g. <examples>", or, above `max`, "<flag>: \"x\" <above_max>".
inline std::string read_size_options(const CLI::App& app, std::initializer_list<SizeOption> options,
                                     const std::function<std::optional<double>(const std::string&)>& parse,
                                     const std::string& examples,
                                     double max = std::numeric_limits<double>::infinity(),
                                     const std::string& above_max = "") {
  for (const SizeOption& o : options) {
    if (!app.count(o.flag)) continue;
    const std::optional<double> size = parse(*o.text);
    if (!size || *size < 0) return std::string(o.flag) + ": \"" + *o.text + "\" is not a size; use e.g. " + examples;
    if (*size > max) return std::string(o.flag) + ": \"" + *o.text + "\" " + above_max;
    *o.into = *size;
  }
  return "";
}

// Parses `args` (the words after "dtsim <command>") into `app`. Returns -1 when the command should go
// on, otherwise its exit code (0 after --help, kBadInput on a usage error). Unless `pass_through`, any
// word left over is an error: "unknown option '--x'" or "unexpected argument 'x'".
inline int parse(CLI::App& app, const std::string& command, std::vector<std::string> args, std::ostream& out,
                 std::ostream& err, bool pass_through = false) {
  app.allow_extras();
  std::reverse(args.begin(), args.end());  // CLI11 takes the words last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    return usage_error(err, command, parse_error_message(e));
  }
  if (pass_through) return -1;
  const std::vector<std::string> extras = app.remaining(/*recurse=*/true);  // a subcommand's too
  for (const std::string& extra : extras)
    if (extra.size() > 1 && extra[0] == '-' && !(extra[1] >= '0' && extra[1] <= '9'))
      return usage_error(err, command, "unknown option '" + extra.substr(0, extra.find('=')) + "'");
  if (!extras.empty()) return usage_error(err, command, "unexpected argument '" + extras.front() + "'");
  return -1;
}

// A one-line error for a required positional argument that is missing.
inline int missing(std::ostream& err, const std::string& command, const std::string& what) {
  return usage_error(err, command, "missing " + what);
}

}  // namespace dtsim::cli
