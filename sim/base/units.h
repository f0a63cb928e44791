// Parsing of physical quantities written as strings ("25Gbps", "5us", "100MB") or SI numbers.
#pragma once
#include <optional>
#include <string>

namespace dtsim::units {

// Bytes per second. Accepts bps/Kbps/Mbps/Gbps/Tbps (bits, decimal prefixes), Bps/KBps/MBps/GBps/TBps
// (bytes), KiBps/MiBps/GiBps (binary), or a bare number meaning bytes per second.
std::optional<double> parse_bandwidth(const std::string& text);
// Seconds. Accepts s, ms, us, ns, ps, min, h, or a bare number meaning seconds.
std::optional<double> parse_duration(const std::string& text);
// Bytes. Accepts B, KB/MB/GB/TB (decimal), KiB/MiB/GiB/TiB (binary), or a bare number of bytes.
std::optional<double> parse_size(const std::string& text);

}  // namespace dtsim::units
