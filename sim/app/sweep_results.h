// The sweep's result table: results.jsonl (one JSON object per finished point, appended with a single
// write() so that a killed sweep leaves only whole lines) and results.csv (regenerated atomically from
// the rows). Row keys: point_id, index, status ("ok" / "failed"), error, params {column: value},
// overrides {pointer: value}, dir (per-point outputs, relative to the sweep directory), point_wall_s,
// summary (summary.json's content).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dtsim {

using SweepRow = nlohmann::ordered_json;

// Reads results.jsonl; lines that are not JSON objects with a point_id (a torn last line) are skipped
// and counted in *skipped. A missing file reads as no rows.
std::vector<SweepRow> read_sweep_rows(const std::string& path, std::size_t* skipped = nullptr);

// One row per point id: a later row replaces an earlier one, except that a failed row never replaces
// an ok one; sorted by index, then id.
std::vector<SweepRow> latest_sweep_rows(const std::vector<SweepRow>& rows);

// The CSV table of `rows` (already deduplicated): index, point_id, status, error, the parameter
// columns, the flattened summary (without the resolved scenario), point_wall_s, dir.
std::string sweep_rows_csv(const std::vector<SweepRow>& rows);
void write_sweep_csv(const std::string& path, const std::vector<SweepRow>& rows);  // atomically

// Appends whole lines to results.jsonl: O_APPEND and one write() per row; holds an exclusive lock on
// the file (flock) so that two sweeps cannot write to one directory at once.
class SweepLog {
 public:
  SweepLog() = default;
  ~SweepLog();
  SweepLog(const SweepLog&) = delete;
  SweepLog& operator=(const SweepLog&) = delete;
  std::string open(const std::string& path);  // returns an error message or ""
  void append(const SweepRow& row);           // throws std::runtime_error on a write error

 private:
  int fd_ = -1;
  std::string path_;
};

// `dtsim sweep --merge OUT A B ...`: joins the results.jsonl of sweep directories (or results.jsonl
// files) A, B, ... into OUT/results.jsonl and OUT/results.csv. Every row of every input is kept
// byte for byte, but for repeats of a point id (kept once, by the rule of latest_sweep_rows).
int merge_sweep_results(const std::string& out_dir, const std::vector<std::string>& inputs, std::ostream& out,
                        std::ostream& err);

}  // namespace dtsim
