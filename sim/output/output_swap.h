// A run's outputs appear all together or not at all, even if the process is killed (kill -9) at any
// instant. The scheme:
//   1. the run writes its files into a fresh sibling directory, <parent>/.<name>.dtsim-staging.<pid>;
//   2. regular files of output.dir that are not the run's own (a sweep point's log.txt, a user's notes)
//      are hard-linked into it, so they survive the swap (the run's own names, summary.json,
//      iterations.csv, trace.json, trace.json.gz and links.csv, are never carried: an old trace must
//      not sit beside a new run);
//   3. the staging directory and output.dir are exchanged in one step (Linux renameat2 with
//      RENAME_EXCHANGE; plain rename when output.dir is empty), and the old run, now under the staging
//      name, is deleted.
// A kill before step 3 leaves output.dir untouched; a kill after it leaves the new run. Staging
// directories and "<file>.tmp.<pid>" temporaries of processes that no longer exist are removed when the
// next run into the same directory starts (pids are those of this host: one host writes a given
// output.dir, as sweep shards write distinct point directories). Where an exchange is impossible (output.dir holds a subdirectory or something that
// cannot be hard-linked, is the working directory or one above it, is a mount point, or the file system
// has no RENAME_EXCHANGE) the files are renamed into place one by one, summary.json last: each file is
// still whole, but a kill between renames can mix runs.
#pragma once
#include <string>

namespace dtsim {

class OutputSwap {
 public:
  // `dir` must exist (prepare_output_dir). Removes stale staging directories and temporaries, then
  // creates this run's staging directory. Throws std::runtime_error if it cannot.
  explicit OutputSwap(std::string dir);
  ~OutputSwap();  // deletes the staging directory unless commit() ran
  OutputSwap(const OutputSwap&) = delete;
  OutputSwap& operator=(const OutputSwap&) = delete;

  // Where the run writes its file `name` before commit().
  std::string staged(const std::string& name) const { return staging_ + "/" + name; }
  void commit();  // publishes the staged files as described above; throws on failure

 private:
  std::string dir_, staging_;
  bool committed_ = false;
};

// Test hook: with DTSIM_TEST_KILL_AT_STEP=k in the environment, the process sends itself SIGKILL on
// reaching step k of commit() (1: before carrying foreign files, 2: before the exchange, 3: after it,
// before the old run is deleted). Lets tests kill -9 at exact points between the swap's system calls.
void output_swap_test_hook(int step);

}  // namespace dtsim
