#include "sim/base/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace dtsim {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  temp_ = path_ + ".tmp." + std::to_string(::getpid());
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) throw std::runtime_error(path_ + ": cannot write (" + std::strerror(errno) + ")");
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::remove(temp_.c_str());
  }
}

void AtomicFile::write(const std::string& text) { std::fwrite(text.data(), 1, text.size(), file_); }

void AtomicFile::commit() {
  const bool failed = std::ferror(file_) != 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (failed || !closed) {
    std::remove(temp_.c_str());
    throw std::runtime_error(path_ + ": write failed");
  }
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    std::remove(temp_.c_str());
    throw std::runtime_error(path_ + ": cannot rename into place (" + std::strerror(errno) + ")");
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicFile file(path);
  file.write(content);
  file.commit();
}

}  // namespace dtsim
