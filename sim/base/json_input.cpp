#include "sim/base/json_input.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace dtsim {
namespace {

struct TooDeep {};

// Unescapes one JSON pointer token (RFC 6901: "~1" is "/", "~0" is "~").
std::string unescape(const std::string& token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

ParsedJson parse_json_text(const std::string& text, bool allow_comments) {
  ParsedJson result;
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    result.error = "holds a NUL byte at offset " + std::to_string(nul) + "; JSON text has none";
    return result;
  }
  // The callback sees every opening bracket with its depth before the parser goes deeper.
  const nlohmann::json::parser_callback_t limit_depth = [](int depth, nlohmann::json::parse_event_t event,
                                                           nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw TooDeep{};
    return true;
  };
  try {
    result.value = nlohmann::json::parse(text, limit_depth, true, allow_comments);
  } catch (const TooDeep&) {
    result.error = "nests arrays/objects deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  } catch (const nlohmann::json::parse_error& e) {
    result.error = std::string("not valid JSON: ") + e.what();
    result.syntax_error = true;
  } catch (const nlohmann::json::out_of_range& e) {  // 406: a number beyond the range of a double
    result.error = std::string("holds a number outside the range of a double (") + e.what() + ")";
  } catch (const nlohmann::json::exception& e) {
    result.error = std::string("not valid JSON: ") + e.what();
  }
  return result;
}

std::string regular_file_problem(const std::string& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return std::string("cannot be opened (") + std::strerror(errno) + ")";
  if (S_ISDIR(info.st_mode)) return "is a directory; expected a JSON file";
  if (!S_ISREG(info.st_mode)) return "is not a regular file (a FIFO, socket or device); expected a JSON file";
  return "";
}

namespace {
// Length of the valid UTF-8 sequence at text[i], or 0 when the byte there does not start one.
std::size_t utf8_sequence(const std::string& text, std::size_t i) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char c = s[i];
  std::size_t len = 0;
  unsigned min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) len = 2, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000;
  else return 0;
  if (i + len > text.size()) return 0;
  unsigned code = c & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    code = (code << 6) | (s[i + k] & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 either.
  if (code < min || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return len;
}
}  // namespace

std::string utf8_problem(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = utf8_sequence(text, i);
    if (len == 0) return "is not valid UTF-8 (byte " + std::to_string(i) + ")";
    i += len;
  }
  return "";
}

std::string shown_text(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = utf8_sequence(text, i);
    if (len == 0) {
      static const char* hex = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(text[i]);
      out += std::string("\\x") + hex[byte >> 4] + hex[byte & 15];
      ++i;
    } else {
      out.append(text, i, len);
      i += len;
    }
  }
  return out;
}

std::string settable_pointer_problem(const nlohmann::json& document, const std::string& pointer) {
  try {
    nlohmann::json::json_pointer checked(pointer);  // syntax: leading '/', "~" escapes
  } catch (const nlohmann::json::exception& e) {
    return std::string("is not a JSON pointer (") + e.what() + ")";
  }
  const nlohmann::json* cursor = &document;  // nullptr once the path leaves the document
  std::size_t depth = 0;
  for (std::size_t start = 1; start <= pointer.size();) {
    std::size_t end = pointer.find('/', start);
    if (end == std::string::npos) end = pointer.size();
    const std::string parent = pointer.substr(0, start - 1);
    const std::string token = unescape(pointer.substr(start, end - start));
    start = end + 1;
    if (++depth > static_cast<std::size_t>(kMaxJsonDepth))
      return "is deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    const bool missing = cursor == nullptr || cursor->is_null();
    if (missing || cursor->is_array()) {
      // nlohmann makes a missing value an array when the token is a number, and resizes an array to
      // any index it is given: only an index up to the array's end (appending) is allowed.
      const std::size_t size = missing ? 0 : cursor->size();
      if (all_digits(token) && (token.size() > 19 || std::stoull(token) > size))
        return "array index " + token + " is beyond the end of its array (" + std::to_string(size) +
               " element(s)); allowed: 0 to " + std::to_string(size) + " or -";
      cursor = (!missing && all_digits(token) && std::stoull(token) < size) ? &(*cursor)[std::stoull(token)] : nullptr;
    } else if (cursor->is_object()) {
      const auto it = cursor->find(token);
      cursor = it == cursor->end() ? nullptr : &*it;
    } else {
      return "cannot be set: " + (parent.empty() ? std::string("the document") : parent) + " is a " +
             cursor->type_name() + ", not an object or array";
    }
  }
  return "";
}

}  // namespace dtsim
