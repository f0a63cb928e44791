// Doubles written as the shortest text that reads back to the same double (std::to_chars): no digits
// beyond what the value holds (0.1, not 0.10000000000000001) and none lost (%.12g dropped some).
#pragma once
#include <string>

namespace dtsim {

// "" for NaN (an empty CSV cell: no value); otherwise the shortest round-trip form, -0 written as 0.
std::string shortest_number(double value);

}  // namespace dtsim
