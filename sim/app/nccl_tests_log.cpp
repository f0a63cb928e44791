#include "sim/app/nccl_tests_log.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

namespace dtsim {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool parse_number(const std::string& text, double& value) {
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end && end != text.c_str() && *end == 0;
}

bool is_integer(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

int NcclTestsLog::hosts() const { return static_cast<int>(std::set<std::string>(rank_hosts.begin(), rank_hosts.end()).size()); }

int NcclTestsLog::ranks_per_host() const {
  std::map<std::string, int> count;
  int most = 0;
  for (const std::string& h : rank_hosts) most = std::max(most, ++count[h]);
  return most;
}

NcclTestsLog parse_nccl_tests_log(std::istream& in, const std::string& file, std::vector<std::string>& errors) {
  NcclTestsLog log;
  std::map<int, std::pair<std::string, std::string>> ranks;  // rank -> host, device
  std::map<int, int> rank_line;
  auto error = [&](int line, const std::string& message) {
    errors.push_back(file + ":" + std::to_string(line) + ": " + message);
  };
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    std::string line = trim(raw);
    const bool comment = !line.empty() && line[0] == '#';
    if (comment) line = trim(line.substr(1));
    if (line.rfind("source:", 0) == 0) {
      log.sources.push_back(trim(line.substr(7)));
      continue;
    }
    if (line.rfind("Collective test starting:", 0) == 0) {
      std::string name = trim(line.substr(25));
      if (name.size() > 5 && name.compare(name.size() - 5, 5, "_perf") == 0) name.resize(name.size() - 5);
      log.collective = name;
      continue;
    }
    const std::vector<std::string> w = split_words(line);
    if (w.empty()) continue;
    if (w[0] == "Rank" && w.size() >= 2 && is_integer(w[1])) {
      // Rank R [Group G] [Pid P] on HOST device D [BUS] NAME...
      const auto on = std::find(w.begin(), w.end(), "on");
      const auto device = std::find(w.begin(), w.end(), "device");
      if (on == w.end() || on + 1 >= w.end() || device == w.end() || device < on) {
        error(number, "a rank line without \"on HOST device N\": expected e.g. \"#  Rank  0 Group  0 Pid 1234 on "
                      "host-a device  0 [0x07] NVIDIA A100-SXM4-80GB\"");
        continue;
      }
      const int r = std::atoi(w[1].c_str());
      std::string name;
      for (auto it = device + 2; it < w.end(); ++it)
        if (!(it == device + 2 && !it->empty() && (*it)[0] == '[')) name += (name.empty() ? "" : " ") + *it;
      if (rank_line.count(r)) {
        error(number, "rank " + std::to_string(r) + " is listed again (first on line " +
                          std::to_string(rank_line[r]) + "); paste the output of one run");
        continue;
      }
      rank_line[r] = number;
      ranks[r] = {*(on + 1), name};
      continue;
    }
    if (comment || !is_integer(w[0])) continue;  // headers, NCCL INFO, mpirun lines
    // A row: size count type [redop [root]] then 8 columns: time algbw busbw #wrong, twice.
    if (w.size() < 11 || w.size() > 13) {
      error(number, "a row has " + std::to_string(w.size()) +
                        " columns; expected size count type [redop [root]] time algbw busbw #wrong time algbw "
                        "busbw #wrong (11 to 13)");
      continue;
    }
    NcclTestsRow row;
    row.line = number;
    double count = 0;
    const std::size_t t = w.size() - 8;
    double out_us = 0, in_us = 0, ignored = 0;
    if (!parse_number(w[0], row.bytes) || !parse_number(w[1], count)) {
      error(number, "size and count must be numbers");
      continue;
    }
    if (!parse_number(w[t], out_us) || !parse_number(w[t + 4], in_us) || !parse_number(w[t + 1], ignored) ||
        !parse_number(w[t + 5], ignored)) {
      error(number, "\"" + w[t] + "\" / \"" + w[t + 4] +
                        "\": the out-of-place and in-place times (us) and algbw must be numbers");
      continue;
    }
    if (!(out_us > 0) || !(in_us > 0)) {
      error(number, "times must be > 0 us");
      continue;
    }
    row.out_of_place_s = out_us * 1e-6;
    row.in_place_s = in_us * 1e-6;
    log.rows.push_back(row);
  }
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    if (!ranks.count(static_cast<int>(r))) {
      errors.push_back(file + ": ranks are not numbered 0.." + std::to_string(ranks.size() - 1) + " (rank " +
                       std::to_string(r) + " is missing)");
      break;
    }
    log.rank_hosts.push_back(ranks[static_cast<int>(r)].first);
    log.devices.push_back(ranks[static_cast<int>(r)].second);
  }
  if (log.rows.empty()) errors.push_back(file + ": no result rows (size count type ... time algbw busbw #wrong ...)");
  return log;
}

}  // namespace dtsim
