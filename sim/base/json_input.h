// Untrusted JSON in: text from files, --set values and --out. Every check here turns what would be an
// exception, a resize to a huge size, a blocking open or a deep recursion into one error message.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace dtsim {

// Arrays/objects nested deeper than this are refused when parsed: dump() and the destructors of
// nlohmann::json recurse once per level, so 100,000 levels overflow the stack.
constexpr int kMaxJsonDepth = 128;

struct ParsedJson {
  std::optional<nlohmann::json> value;
  std::string error;           // set when value is empty
  bool syntax_error = false;   // the text is not JSON at all (a --set value is then a bare word)
};

// Parses text that must be one JSON value: refuses NUL bytes, nesting beyond kMaxJsonDepth and numbers
// outside the range of a double, besides syntax errors and invalid UTF-8 (nlohmann checks those).
ParsedJson parse_json_text(const std::string& text, bool allow_comments);

// "" when `file` is a regular file that can be read; else why not ("is a directory", "is not a regular
// file (a FIFO, a device...)", "does not exist"). Checked before opening so that a FIFO never blocks.
std::string regular_file_problem(const std::string& file);

// "" when `text` is valid UTF-8; else "is not valid UTF-8 (byte N)".
std::string utf8_problem(const std::string& text);

// `text` with each byte that is not part of valid UTF-8 written as \xNN: safe to print and to put
// in a JSON string.
std::string shown_text(const std::string& text);

// "" when `document[pointer] = value` is safe: a valid JSON pointer, at most kMaxJsonDepth tokens, and
// no array index beyond the current end of its array (nlohmann would resize the array to that index).
std::string settable_pointer_problem(const nlohmann::json& document, const std::string& pointer);

}  // namespace dtsim
