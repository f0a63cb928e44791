#include "sim/base/units.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace dtsim::units {
namespace {

// One spelling of a unit: value = number x 10^pow10 x multiplier. The power of ten is applied to the
// decimal text before it is rounded to a double, so "5us" is exactly the double strtod gives "5e-6".
struct Unit {
  std::string spelling;
  int pow10;
  double multiplier;  // exact in binary: 1/8 (bits), 2^10k (binary prefixes), 60, 3600
};
using UnitTable = std::vector<Unit>;

struct Prefix {
  const char* name;
  int pow10;
  double multiplier;
};
// SI decimal prefixes (K: the common spelling of k in "Kbps", "KB") and IEC 80000-13 binary ones.
const std::vector<Prefix>& prefixes() {
  static const std::vector<Prefix> list = {
      {"", 0, 1.0},       {"k", 3, 1.0},       {"K", 3, 1.0},       {"M", 6, 1.0},
      {"G", 9, 1.0},      {"T", 12, 1.0},      {"P", 15, 1.0},      {"Ki", 0, 1024.0},
      {"Mi", 0, 1048576.0}, {"Gi", 0, 1073741824.0}, {"Ti", 0, 1099511627776.0}, {"Pi", 0, 1125899906842624.0}};
  return list;
}

// Every prefix before every suffix; multiplier is the suffix's own factor (1/8 for bits).
void add_prefixed(UnitTable& table, const std::vector<const char*>& suffixes, double multiplier) {
  for (const Prefix& p : prefixes())
    for (const char* s : suffixes) table.push_back({std::string(p.name) + s, p.pow10, p.multiplier * multiplier});
}

const UnitTable& bandwidth_table() {
  static const UnitTable table = [] {
    UnitTable t;
    add_prefixed(t, {"bps", "b/s", "bit/s"}, 1.0 / 8);
    add_prefixed(t, {"Bps", "B/s"}, 1.0);
    return t;
  }();
  return table;
}

const UnitTable& duration_table() {
  static const UnitTable table = {{"s", 0, 1.0},   {"ms", -3, 1.0},  {"us", -6, 1.0},   {"\xC2\xB5s", -6, 1.0},
                                  {"ns", -9, 1.0}, {"ps", -12, 1.0}, {"min", 0, 60.0}, {"h", 0, 3600.0}};
  return table;
}

const UnitTable& size_table() {
  static const UnitTable table = [] {
    UnitTable t;
    add_prefixed(t, {"B"}, 1.0);
    return t;
  }();
  return table;
}

std::string trimmed(const std::string& text) {
  std::size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

// "25.5e3 Gbps" -> mantissa "25.5", exponent 3, unit "Gbps". Only decimal numbers: no hex, inf or nan.
struct Parts {
  std::string mantissa;
  long long exponent = 0;
  std::string unit;
};

std::optional<Parts> split_number(const std::string& text) {
  const std::size_t n = text.size();
  auto digit = [&](std::size_t i) { return i < n && std::isdigit(static_cast<unsigned char>(text[i])); };
  std::size_t i = 0;
  while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const std::size_t start = i;
  if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t digits = 0;
  for (; digit(i); ++i) ++digits;
  if (i < n && text[i] == '.')
    for (++i; digit(i); ++i) ++digits;
  if (digits == 0) return std::nullopt;
  Parts p;
  p.mantissa = text.substr(start, i - start);
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    const bool negative = j < n && text[j] == '-';
    if (j < n && (text[j] == '+' || text[j] == '-')) ++j;
    long long e = 0;
    std::size_t k = j;
    for (; digit(k); ++k)
      if (e < 100000) e = e * 10 + (text[k] - '0');  // far past any double's range: saturate
    if (k > j) {
      p.exponent = negative ? -e : e;
      i = k;
    }
  }
  p.unit = trimmed(text.substr(i));
  return p;
}

std::optional<double> parse_with(const std::string& text, const UnitTable& table) {
  const std::optional<Parts> parts = split_number(text);
  if (!parts) return std::nullopt;
  const Unit bare{"", 0, 1.0};
  const Unit* unit = parts->unit.empty() ? &bare : nullptr;
  for (const Unit& u : table)
    if (!unit && parts->unit == u.spelling) unit = &u;
  if (!unit) return std::nullopt;
  const std::string scaled = parts->mantissa + "e" + std::to_string(parts->exponent + unit->pow10);
  const double value = std::strtod(scaled.c_str(), nullptr) * unit->multiplier;
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::string alternation(const UnitTable& table) {
  std::string out;
  for (const Unit& u : table) out += (out.empty() ? "" : "|") + u.spelling;
  return out;
}

const char* kPrefixHelp =
    "with an optional decimal prefix k (or K), M, G, T, P (10^3 ... 10^15) or binary prefix Ki, Mi, Gi, Ti, Pi "
    "(2^10 ... 2^50)";

}  // namespace

std::optional<double> parse_bandwidth(const std::string& text) { return parse_with(text, bandwidth_table()); }
std::optional<double> parse_duration(const std::string& text) { return parse_with(text, duration_table()); }
std::optional<double> parse_size(const std::string& text) { return parse_with(text, size_table()); }

std::string bandwidth_units_help() {
  return std::string("a number in bytes/s, or a number with a unit: bits per second (bps, b/s, bit/s) or bytes per "
                     "second (Bps, B/s), ") +
         kPrefixHelp + "; e.g. \"25Gbps\", \"25 Gb/s\", \"100Mbit/s\", \"3.125GB/s\", \"10GiB/s\"";
}
std::string duration_units_help() {
  return "a number in seconds, or a number with a unit: s, ms, us (or \xC2\xB5s), ns, ps, min, h; e.g. \"5us\", "
         "\"1.5ms\"";
}
std::string size_units_help() {
  return std::string("a number of bytes, or a number with the unit B (bytes; b, a bit, is no size) ") + kPrefixHelp +
         "; e.g. \"100MB\", \"25MiB\"";
}

std::string bandwidth_units_pattern() { return alternation(bandwidth_table()); }
std::string duration_units_pattern() { return alternation(duration_table()); }
std::string size_units_pattern() { return alternation(size_table()); }

}  // namespace dtsim::units
