// Files that appear whole or not at all: written to a temporary name in the same directory, then
// renamed over the target (rename is atomic within a file system).
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

}  // namespace dtsim
