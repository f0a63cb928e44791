// Parsing of physical quantities written as strings ("25Gbps", "25 Gb/s", "5us", "100MB") or SI numbers.
//
// The conventions are the SI's and IEC 80000-13's: "b" is a bit and "B" a byte; k, M, G, T, P are
// powers of 10 (K is accepted for k, as in "Kbps"); Ki, Mi, Gi, Ti, Pi are powers of 2^10. So
// "25Gb/s" = "25Gbps" = "25Gbit/s" = 3.125e9 bytes/s, "25GB/s" = 2.5e10 bytes/s, "1GiB/s" = 2^30 bytes/s.
// Decimal scaling is exact: "5us" is the double nearest 5e-6 (not 5 * 1e-6), "25Gbps" is 25e9 / 8.
#pragma once
#include <optional>
#include <string>

namespace dtsim::units {

// Bytes per second. Bits: bps, b/s, bit/s; bytes: Bps, B/s; each with any decimal or binary prefix
// ("kbps", "Mb/s", "Gbit/s", "GB/s", "MBps", "GiB/s", "Gibit/s"); a bare number means bytes per second.
std::optional<double> parse_bandwidth(const std::string& text);
// Seconds. Accepts s, ms, us (or µs), ns, ps, min, h, or a bare number meaning seconds.
std::optional<double> parse_duration(const std::string& text);
// Bytes. Accepts B with a decimal (kB, KB, MB, GB, TB, PB) or binary prefix (KiB ... PiB), or a bare
// number of bytes. Bits ("Mb") are not sizes: a checkpoint or a bucket is counted in bytes.
std::optional<double> parse_size(const std::string& text);

// What each parser allows, in words, for error messages ("allowed: ...").
std::string bandwidth_units_help();
std::string duration_units_help();
std::string size_units_help();

// Every unit spelling each parser accepts, as a regular-expression alternation ("bps|b/s|..."), for
// the JSON Schema's patterns.
std::string bandwidth_units_pattern();
std::string duration_units_pattern();
std::string size_units_pattern();

}  // namespace dtsim::units
