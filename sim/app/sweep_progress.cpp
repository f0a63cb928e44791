#include "sim/app/sweep_progress.h"
#include "sim/base/wall_clock.h"

#include <unistd.h>

#include <cstdio>
#include <iomanip>

namespace dtsim {

std::string format_duration(double s) {
  char text[32];
  if (s < 10) std::snprintf(text, sizeof text, "%.1f s", s);
  else if (s < 60) std::snprintf(text, sizeof text, "%.0f s", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(text, sizeof text, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  return text;
}

std::string describe_point(const SweepPoint& p) {
  std::string text;
  for (const auto& [name, value] : p.params)
    text += (text.empty() ? "" : " ") + name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  return text.empty() ? "(base)" : text;
}

SweepProgressDisplay::SweepProgressDisplay(SweepProgress mode, std::ostream& err, std::size_t total,
                                           std::size_t resumed)
    : mode_(mode), err_(err), total_(total), resumed_(resumed), start_(WallClock::now()) {
  if (mode_ == SweepProgress::automatic) mode_ = ::isatty(STDERR_FILENO) ? SweepProgress::bar : SweepProgress::lines;
}

void SweepProgressDisplay::finished(const SweepPoint& p, bool ok, const std::string& error, double wall,
                                    std::size_t running) {
  ++done_now_;
  if (!ok) ++failed_;
  if (mode_ == SweepProgress::lines) {
    err_ << "[" << resumed_ + done_now_ << "/" << total_ << "] " << (ok ? "ok    " : "FAILED") << " point " << p.index
         << " " << p.id << " " << describe_point(p) << " (" << std::fixed << std::setprecision(2) << wall << " s)"
         << std::defaultfloat << (ok ? "" : ": " + error) << "; " << running << " running, " << failed_
         << " failed, ETA " << eta() << "\n";
    err_.flush();
  } else if (mode_ == SweepProgress::bar) {
    if (!ok)
      err_ << "\r\033[K" << "FAILED point " << p.index << " " << p.id << " " << describe_point(p) << ": " << error << "\n";
    draw(running, true);
  }
}

void SweepProgressDisplay::draw(std::size_t running, bool force) {
  if (mode_ != SweepProgress::bar) return;
  if (!force && seconds_since(last_draw_) < 0.25) return;
  last_draw_ = WallClock::now();
  const std::size_t done = resumed_ + done_now_;
  const int width = 30;
  const int filled = total_ ? static_cast<int>(width * done / total_) : width;
  err_ << "\r\033[K[" << std::string(filled, '#') << std::string(width - filled, '-') << "] " << done << "/" << total_
       << " done, " << running << " running, " << failed_ << " failed, " << format_duration(seconds_since(start_))
       << " elapsed, ETA " << eta();
  err_.flush();
}

void SweepProgressDisplay::end() {
  if (mode_ == SweepProgress::bar) err_ << "\n";
}

std::string SweepProgressDisplay::eta() const {
  const std::size_t remaining = total_ - resumed_ - done_now_;
  if (remaining == 0) return "0.0 s";
  if (done_now_ == 0) return "?";
  return format_duration(seconds_since(start_) / static_cast<double>(done_now_) * static_cast<double>(remaining));
}

}  // namespace dtsim
