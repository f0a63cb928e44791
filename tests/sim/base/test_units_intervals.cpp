#include <doctest/doctest.h>

#include "sim/engine/intervals.h"
#include "sim/base/units.h"

using namespace dtsim;

TEST_CASE("core: units parse with SI and binary prefixes") {
  CHECK(*units::parse_bandwidth("25Gbps") == doctest::Approx(3.125e9));
  CHECK(*units::parse_bandwidth("3.125GBps") == doctest::Approx(3.125e9));
  CHECK(*units::parse_bandwidth("1e9") == doctest::Approx(1e9));
  CHECK(*units::parse_bandwidth("1GiBps") == doctest::Approx(1073741824.0));
  CHECK_FALSE(units::parse_bandwidth("25Gbs"));
  CHECK_FALSE(units::parse_bandwidth("Gbps"));
  CHECK(*units::parse_duration("5us") == doctest::Approx(5e-6));
  CHECK(*units::parse_duration("1.5 ms") == doctest::Approx(1.5e-3));
  CHECK_FALSE(units::parse_duration("5 parsecs"));
  CHECK(*units::parse_size("100MB") == doctest::Approx(1e8));
  CHECK(*units::parse_size("25MiB") == doctest::Approx(25 * 1048576.0));
}

TEST_CASE("core: interval unions and differences") {
  std::vector<Interval> a = {{0, 2}, {1, 3}, {5, 6}, {7, 7}};
  CHECK(union_length(a) == doctest::Approx(4));
  std::vector<Interval> b = {{2.5, 5.5}, {-1, 0.5}};
  CHECK(difference_length(a, b) == doctest::Approx(2.5));  // [0.5,2.5] + [5.5,6]
  CHECK(difference_length(a, {}) == doctest::Approx(4));
  CHECK(difference_length({}, a) == doctest::Approx(0));
}
