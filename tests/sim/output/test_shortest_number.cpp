// Numbers in iterations.csv: the shortest text that reads back to the same double.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include "sim/output/shortest_number.h"

using dtsim::shortest_number;

TEST_CASE("output: doubles are written in shortest round-trip form, without noise or lost digits") {
  CHECK(shortest_number(0.1) == "0.1");
  CHECK(shortest_number(5e-6) == "5e-06");
  CHECK(shortest_number(5 * 1e-6) == "4.9999999999999996e-06");  // a different double: its digits are kept
  CHECK(shortest_number(102228128.0) == "102228128");
  CHECK(shortest_number(0.02666666666666667) == "0.02666666666666667");  // %.12g wrote 0.0266666666667
  CHECK(shortest_number(-0.0) == "0");
  CHECK(shortest_number(std::numeric_limits<double>::quiet_NaN()).empty());  // an empty cell: no value
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> exponent(-300, 300), mantissa(-1, 1);
  for (int i = 0; i < 10000; ++i) {
    const double x = mantissa(random) * std::pow(10.0, exponent(random));
    const std::string text = shortest_number(x);
    REQUIRE(std::strtod(text.c_str(), nullptr) == x);
    CHECK(text.size() <= 24);
  }
}
