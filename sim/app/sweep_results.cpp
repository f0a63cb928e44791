#include "sim/app/sweep_results.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <stdexcept>

#include "sim/base/atomic_file.h"
#include "sim/output/outputs.h"
#include "sim/base/problems.h"

namespace dtsim {
namespace {

bool is_ok(const SweepRow& row) { return row.value("status", std::string()) == "ok"; }

void flatten(const SweepRow& node, const std::string& prefix, std::vector<std::pair<std::string, const SweepRow*>>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (prefix.empty() && it.key() == "scenario") continue;  // the resolved scenario: in results.jsonl only
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else if (!node.is_array()) {  // per-rank lists and histograms stay in results.jsonl
    out.emplace_back(prefix, &node);
  }
}

std::string csv_cell(const SweepRow* value) {
  if (!value || value->is_null()) return "";
  std::string text = value->is_string() ? value->get<std::string>() : value->dump();
  const bool quote = text.find_first_of(",\"\n\r") != std::string::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) return text;
  std::string q = "\"";
  for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::vector<SweepRow> read_sweep_rows(const std::string& path, std::size_t* skipped) {
  std::vector<SweepRow> rows;
  std::size_t bad = 0;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    try {
      SweepRow row = SweepRow::parse(line);
      if (row.is_object() && row.contains("point_id") && row["point_id"].is_string()) {
        rows.push_back(std::move(row));
        continue;
      }
    } catch (const SweepRow::exception&) {
    }
    ++bad;
  }
  if (skipped) *skipped = bad;
  return rows;
}

std::vector<SweepRow> latest_sweep_rows(const std::vector<SweepRow>& rows) {
  std::map<std::string, std::size_t> position;
  std::vector<SweepRow> out;
  for (const SweepRow& row : rows) {
    const std::string id = row["point_id"].get<std::string>();
    auto it = position.find(id);
    if (it == position.end()) {
      position[id] = out.size();
      out.push_back(row);
    } else if (is_ok(row) || !is_ok(out[it->second])) {
      out[it->second] = row;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const SweepRow& a, const SweepRow& b) {
    const auto ia = a.value("index", std::uint64_t{0}), ib = b.value("index", std::uint64_t{0});
    if (ia != ib) return ia < ib;
    return a["point_id"].get<std::string>() < b["point_id"].get<std::string>();
  });
  return out;
}

std::string sweep_rows_csv(const std::vector<SweepRow>& rows) {
  // Columns in order of first appearance: fixed, parameters, summary metrics, trailing.
  std::vector<std::string> params, metrics;
  std::set<std::string> seen_params, seen_metrics;
  std::vector<std::map<std::string, const SweepRow*>> cells(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const SweepRow& row = rows[r];
    if (row.contains("params") && row["params"].is_object())
      for (auto it = row["params"].begin(); it != row["params"].end(); ++it) {
        if (seen_params.insert(it.key()).second) params.push_back(it.key());
        cells[r]["p:" + it.key()] = &it.value();
      }
    if (row.contains("summary") && row["summary"].is_object()) {
      std::vector<std::pair<std::string, const SweepRow*>> flat;
      flatten(row["summary"], "", flat);
      for (const auto& [key, value] : flat) {
        if (seen_metrics.insert(key).second) metrics.push_back(key);
        cells[r]["m:" + key] = value;
      }
    }
  }
  static const std::vector<std::string> kLeading = {"index", "point_id", "status", "error"};
  static const std::vector<std::string> kTrailing = {"point_wall_s", "dir"};
  std::string text;
  std::vector<std::string> names;
  for (const auto& c : kLeading) names.push_back(c);
  for (const auto& c : params) names.push_back(c);
  for (const auto& c : metrics) names.push_back(c);
  for (const auto& c : kTrailing) names.push_back(c);
  for (std::size_t i = 0; i < names.size(); ++i) {
    SweepRow name = names[i];
    text += (i ? "," : "") + csv_cell(&name);
  }
  text += "\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> values;
    for (const auto& c : kLeading) values.push_back(csv_cell(rows[r].contains(c) ? &rows[r][c] : nullptr));
    for (const auto& c : params) {
      auto it = cells[r].find("p:" + c);
      values.push_back(csv_cell(it == cells[r].end() ? nullptr : it->second));
    }
    for (const auto& c : metrics) {
      auto it = cells[r].find("m:" + c);
      values.push_back(csv_cell(it == cells[r].end() ? nullptr : it->second));
    }
    for (const auto& c : kTrailing) values.push_back(csv_cell(rows[r].contains(c) ? &rows[r][c] : nullptr));
    for (std::size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + values[i];
    text += "\n";
  }
  return text;
}

void write_sweep_csv(const std::string& path, const std::vector<SweepRow>& rows) {
  write_file_atomically(path, sweep_rows_csv(rows));
}

SweepLog::~SweepLog() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

std::string SweepLog::open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return path + ": cannot open for appending (" + std::strerror(errno) + ")";
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
    return path + ": another sweep is writing to this directory (the file is locked)";
  // A line torn by a crash mid-write (never seen in practice) must not glue onto the next row.
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && st.st_size > 0) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(st.st_size - 1);
    char last = '\n';
    in.get(last);
    if (last != '\n' && ::write(fd_, "\n", 1) != 1) return path + ": cannot write";
  }
  return "";
}

void SweepLog::append(const SweepRow& row) {
  const std::string line = row.dump() + "\n";
  const ssize_t n = ::write(fd_, line.data(), line.size());  // one write: the line appears whole
  if (n != static_cast<ssize_t>(line.size()))
    throw std::runtime_error(path_ + ": append failed (" + (n < 0 ? std::strerror(errno) : "short write") + ")");
}

int merge_sweep_results(const std::string& out_dir, const std::vector<std::string>& inputs, std::ostream& out,
                        std::ostream& err) {
  namespace fs = std::filesystem;
  if (inputs.empty()) {
    err << "dtsim sweep --merge: needs OUT and at least one input (a sweep directory or results.jsonl)\n";
    return 2;
  }
  std::vector<SweepRow> all;
  std::string definition;
  std::vector<std::string> errors;
  for (const std::string& input : inputs) {
    fs::path file = input;
    if (fs::is_directory(file)) file /= "results.jsonl";
    if (!fs::is_regular_file(file)) {
      errors.push_back(input + ": no results.jsonl there");
      continue;
    }
    std::size_t skipped = 0;
    std::vector<SweepRow> rows = read_sweep_rows(file.string(), &skipped);
    if (skipped) err << "warning: " << file.string() << ": " << skipped << " torn or foreign lines skipped\n";
    const fs::path def = file.parent_path() / "sweep.json";
    if (definition.empty() && fs::is_regular_file(def)) definition = def.string();
    // Per-point directories are relative to their sweep directory: make them relative to OUT.
    for (SweepRow& row : rows) {
      if (row.contains("dir") && row["dir"].is_string()) {
        const fs::path abs = fs::absolute(file.parent_path() / row["dir"].get<std::string>()).lexically_normal();
        std::error_code ec;
        fs::create_directories(out_dir, ec);
        row["dir"] = fs::relative(abs, fs::absolute(out_dir), ec).string();
        if (ec) row["dir"] = abs.string();
      }
      all.push_back(std::move(row));
    }
  }
  if (!errors.empty()) {
    return report_problems(errors, err, "nothing was written");
  }
  if (std::string e = prepare_output_dir(out_dir); !e.empty()) {
    err << "error: " << e << "\n";
    return 2;
  }
  const std::vector<SweepRow> merged = latest_sweep_rows(all);
  std::string jsonl;
  for (const SweepRow& row : merged) jsonl += row.dump() + "\n";
  try {
    write_file_atomically(out_dir + "/results.jsonl", jsonl);
    write_sweep_csv(out_dir + "/results.csv", merged);
    if (!definition.empty() && fs::absolute(definition) != fs::absolute(out_dir + "/sweep.json")) {
      std::ifstream in(definition, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      write_file_atomically(out_dir + "/sweep.json", text);
    }
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return 1;
  }
  std::size_t failed = 0;
  for (const SweepRow& row : merged) failed += !is_ok(row);
  out << "merged " << all.size() << " rows from " << inputs.size() << " input" << (inputs.size() == 1 ? "" : "s")
      << " into " << merged.size() << " points (" << merged.size() - failed << " ok, " << failed << " failed): "
      << out_dir << "/results.csv\n";
  return 0;
}

}  // namespace dtsim
