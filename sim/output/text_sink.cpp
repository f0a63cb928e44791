#include "sim/output/text_sink.h"

#include <cstdio>
#include <stdexcept>

namespace dtsim {

namespace {
constexpr std::size_t kFlushBytes = 1 << 20;
}

TextSink::TextSink(const std::string& path, bool gzip) : file_(path), gzip_(gzip) {
  if (!gzip_) return;
  // windowBits 15 + 16: a gzip header (mtime 0, so the same trace compresses to the same bytes).
  if (deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error(path + ": cannot start gzip compression");
  deflating_ = true;
}

TextSink::~TextSink() {
  if (deflating_) deflateEnd(&zs_);
}

void TextSink::write(const std::string& text) {
  buffer_ += text;
  if (buffer_.size() >= kFlushBytes) flush(false);
}

void TextSink::printf(const char* format, ...) {
  char small[512];
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) {
    va_end(again);
    throw std::runtime_error("trace: formatting failed");
  }
  if (static_cast<std::size_t>(n) < sizeof small) {
    buffer_.append(small, static_cast<std::size_t>(n));
  } else {
    std::string large(static_cast<std::size_t>(n) + 1, '\0');
    std::vsnprintf(large.data(), large.size(), format, again);
    buffer_.append(large.data(), static_cast<std::size_t>(n));
  }
  va_end(again);
  if (buffer_.size() >= kFlushBytes) flush(false);
}

void TextSink::flush(bool finish) {
  if (!gzip_) {
    file_.write(buffer_);
    buffer_.clear();
    return;
  }
  zs_.next_in = reinterpret_cast<Bytef*>(buffer_.data());
  zs_.avail_in = static_cast<uInt>(buffer_.size());
  unsigned char out[1 << 16];
  int status = Z_OK;
  do {
    zs_.next_out = out;
    zs_.avail_out = sizeof out;
    status = deflate(&zs_, finish ? Z_FINISH : Z_NO_FLUSH);
    if (status == Z_STREAM_ERROR) throw std::runtime_error("trace: gzip compression failed");
    file_.write(std::string(reinterpret_cast<const char*>(out), sizeof out - zs_.avail_out));
  } while (zs_.avail_out == 0 || (finish && status != Z_STREAM_END));
  buffer_.clear();
}

void TextSink::commit() {
  flush(true);
  file_.commit();
}

}  // namespace dtsim
