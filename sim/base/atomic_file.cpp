#include "sim/base/atomic_file.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <sys/types.h>
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

bool names_dead_process(const std::string& name, const std::string& tag) {
  const std::size_t at = name.rfind(tag);
  if (at == std::string::npos || at + tag.size() >= name.size()) return false;
  long long pid = 0;
  for (std::size_t i = at + tag.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 1000000000) return false;
    pid = pid * 10 + (name[i] - '0');
  }
  if (pid <= 0 || pid > 2147483647) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

void remove_stale_temporaries(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec) && names_dead_process(entry.path().filename().string(), ".tmp."))
      std::filesystem::remove(entry.path(), ec);
}

}  // namespace dtsim
