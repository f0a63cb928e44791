// Files that appear whole or not at all: written to a temporary name in the same directory, then
// renamed over the target (rename is atomic within a file system). A writer killed before the rename
// leaves "<path>.tmp.<pid>"; remove_stale_temporaries removes those of processes that are gone.
#pragma once
#include <cstdio>
#include <string>

namespace dtsim {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // throws std::runtime_error if it cannot be created
  ~AtomicFile();                          // discards the temporary unless commit() ran
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  std::FILE* stream() { return file_; }
  void write(const std::string& text);
  void commit();  // throws on a write or rename error

 private:
  std::string path_, temp_;
  std::FILE* file_ = nullptr;
};

void write_file_atomically(const std::string& path, const std::string& content);

// Whether `name` ends with `tag` and the id of a process that no longer exists on this host: the
// leftover of a killed writer (tag ".tmp." for AtomicFile's temporaries).
bool names_dead_process(const std::string& name, const std::string& tag);
// Removes the temporaries ("<file>.tmp.<pid>") that killed writers left in `dir`; errors are ignored.
void remove_stale_temporaries(const std::string& dir);

}  // namespace dtsim
