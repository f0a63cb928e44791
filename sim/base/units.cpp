#include "sim/base/units.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

namespace dtsim::units {
namespace {

using UnitTable = std::vector<std::pair<const char*, double>>;

// Splits "25Gbps" into 25 and "Gbps"; returns nullopt when the number part is malformed.
std::optional<std::pair<double, std::string>> split_number(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value)) return std::nullopt;
  std::string unit(end);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  return std::make_pair(value, unit);
}

std::optional<double> parse_with(const std::string& text, const UnitTable& table) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  if (parts->second.empty()) return parts->first;
  for (const auto& [unit, factor] : table)
    if (parts->second == unit) return parts->first * factor;
  return std::nullopt;
}

}  // namespace

std::optional<double> parse_bandwidth(const std::string& text) {
  static const UnitTable table = {
      {"bps", 1.0 / 8},    {"Kbps", 1e3 / 8},  {"Mbps", 1e6 / 8},  {"Gbps", 1e9 / 8},  {"Tbps", 1e12 / 8},
      {"Bps", 1.0},        {"KBps", 1e3},      {"MBps", 1e6},      {"GBps", 1e9},      {"TBps", 1e12},
      {"KiBps", 1024.0},   {"MiBps", 1048576.0}, {"GiBps", 1073741824.0}};
  return parse_with(text, table);
}

std::optional<double> parse_duration(const std::string& text) {
  static const UnitTable table = {{"s", 1.0},    {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9},
                                  {"ps", 1e-12}, {"min", 60.0}, {"h", 3600.0}};
  return parse_with(text, table);
}

std::optional<double> parse_size(const std::string& text) {
  static const UnitTable table = {{"B", 1.0},      {"kB", 1e3},     {"KB", 1e3},           {"MB", 1e6},
                                  {"GB", 1e9},     {"TB", 1e12},          {"KiB", 1024.0},
                                  {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  return parse_with(text, table);
}

}  // namespace dtsim::units
