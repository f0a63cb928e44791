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

TEST_CASE("core: bandwidths as people write them, bits (b) and bytes (B) as SI and IEC 80000-13 say") {
  struct Case {
    const char* text;
    double bytes_per_s;
  };
  // Exact values: decimal prefixes scale the decimal text, bits divide by 8, binary prefixes are 2^10k.
  const Case cases[] = {
      {"8bps", 1.0},          {"1kbps", 125.0},        {"1Kbps", 125.0},         {"1Mbps", 125e3},
      {"25Gbps", 3.125e9},    {"25Gb/s", 3.125e9},     {"25 Gb/s", 3.125e9},     {"25Gbit/s", 3.125e9},
      {"100Mbit/s", 12.5e6},  {"1Tbps", 125e9},        {"1Pb/s", 125e12},        {"3.125GBps", 3.125e9},
      {"3.125GB/s", 3.125e9}, {"12GB/s", 12e9},        {"1MB/s", 1e6},           {"1kB/s", 1e3},
      {"1KBps", 1e3},         {"1GiB/s", 1073741824.0}, {"1GiBps", 1073741824.0}, {"1MiB/s", 1048576.0},
      {"1KiBps", 1024.0},     {"8Gibit/s", 1073741824.0}, {"8Kib/s", 1024.0},   {"1e9", 1e9},
      {"2.5e1Gbps", 3.125e9}, {"8 bit/s", 1.0},        {" 1B/s ", 1.0}};
  for (const Case& c : cases) {
    const std::string text = c.text;
    const double expected = c.bytes_per_s;
    INFO(text);
    REQUIRE(units::parse_bandwidth(text).has_value());
    CHECK(*units::parse_bandwidth(text) == expected);  // exact: no rounding noise
  }
  // Wrong spellings: a lowercase g is not giga, "Gbs" has no "per", "mbps" would be millibits, "Gbit" no rate.
  for (const char* bad : {"25Gbs", "25gbps", "1mbps", "10Gbit", "25 G b/s", "Gbps", "0x10Bps", "inf", "nan"}) {
    INFO(bad);
    CHECK_FALSE(units::parse_bandwidth(bad));
  }
}

TEST_CASE("core: decimal units scale without float noise") {
  CHECK(*units::parse_duration("5us") == 5e-6);  // 5 * 1e-6 would be 4.9999999999999996e-06
  CHECK(*units::parse_duration("5\xC2\xB5s") == 5e-6);
  CHECK(*units::parse_duration("0.3ms") == 0.0003);
  CHECK(*units::parse_duration("1.5e3ms") == 1.5);
  CHECK(*units::parse_duration("2min") == 120.0);
  CHECK(*units::parse_size("0.1GB") == 1e8);
  CHECK(*units::parse_size("3kB") == 3000.0);
  CHECK(*units::parse_size("4KiB") == 4096.0);
  CHECK(*units::parse_size("1PiB") == 1125899906842624.0);
  CHECK_FALSE(units::parse_size("100Mb"));  // b is a bit: sizes are in bytes
  CHECK_FALSE(units::parse_size("1e400B"));  // past a double's range
  CHECK(*units::parse_size("1e-400B") == 0.0);  // underflows to 0 (the reader then rejects it as not > 0)
}

TEST_CASE("core: a wrong unit's message lists what is allowed") {
  const std::string help = units::bandwidth_units_help();
  for (const char* part : {"bps", "b/s", "bit/s", "Bps", "B/s", "Ki", "\"25 Gb/s\""}) CHECK(help.find(part) != std::string::npos);
  // The schema's pattern is generated from the same table: every spelling the parser takes is in it.
  const std::string pattern = "|" + units::bandwidth_units_pattern() + "|";
  for (const char* unit : {"|kbps|", "|Mb/s|", "|Gbit/s|", "|GB/s|", "|MBps|", "|GiB/s|", "|Tibit/s|"})
    CHECK(pattern.find(unit) != std::string::npos);
  CHECK(pattern.find("|Gbs|") == std::string::npos);
  CHECK(("|" + units::size_units_pattern() + "|").find("|MiB|") != std::string::npos);
}

TEST_CASE("core: interval unions and differences") {
  std::vector<Interval> a = {{0, 2}, {1, 3}, {5, 6}, {7, 7}};
  CHECK(union_length(a) == doctest::Approx(4));
  std::vector<Interval> b = {{2.5, 5.5}, {-1, 0.5}};
  CHECK(difference_length(a, b) == doctest::Approx(2.5));  // [0.5,2.5] + [5.5,6]
  CHECK(difference_length(a, {}) == doctest::Approx(4));
  CHECK(difference_length({}, a) == doctest::Approx(0));
}
