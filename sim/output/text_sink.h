// A text output file that appears whole or not at all (AtomicFile), plain or gzip-compressed: the
// trace can be hundreds of MB, so it is formatted into a buffer and compressed as it goes.
#pragma once
#include <cstdarg>
#include <string>

#include <zlib.h>

#include "sim/base/atomic_file.h"

namespace dtsim {

class TextSink {
 public:
  TextSink(const std::string& path, bool gzip);  // throws std::runtime_error if it cannot be created
  ~TextSink();                                   // discards the file unless commit() ran
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;

  void write(const std::string& text);
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  void printf(const char* format, ...);
  void commit();  // throws on a write, compression or rename error

 private:
  void flush(bool finish);

  AtomicFile file_;
  bool gzip_;
  bool deflating_ = false;
  z_stream zs_{};
  std::string buffer_;
};

}  // namespace dtsim
