#include "sim/output/shortest_number.h"

#include <charconv>
#include <cmath>

namespace dtsim {

std::string shortest_number(double value) {
  if (std::isnan(value)) return "";
  if (value == 0) value = 0;  // -0 (a product of a 0 with a negative) reads as noise in a table
  char text[64];
  const std::to_chars_result r = std::to_chars(text, text + sizeof text, value);
  return std::string(text, r.ptr);
}

}  // namespace dtsim
