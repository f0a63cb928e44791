// What a running sweep shows on stderr: a redrawn bar on a terminal, or one line per finished point.
#pragma once
#include <chrono>
#include <ostream>
#include <string>

#include "sim/app/sweep.h"
#include "sim/app/sweep_runner.h"
#include "sim/base/wall_clock.h"

namespace dtsim {

// "4.2 s", "42 s", "3m05s", "2h01m".
std::string format_duration(double seconds);
// "nodes=4 algorithm=ring", or "(base)" for a sweep without axes.
std::string describe_point(const SweepPoint& point);

class SweepProgressDisplay {
 public:
  // `total` points in the shard, `resumed` of them already done before this run.
  SweepProgressDisplay(SweepProgress mode, std::ostream& err, std::size_t total, std::size_t resumed);
  void finished(const SweepPoint& p, bool ok, const std::string& error, double wall, std::size_t running);
  void draw(std::size_t running, bool force = false);  // the bar, at most every 0.25 s unless forced
  void end();
  std::size_t done_now() const { return done_now_; }
  std::size_t failed() const { return failed_; }

 private:
  std::string eta() const;
  SweepProgress mode_;
  std::ostream& err_;
  std::size_t total_, resumed_, done_now_ = 0, failed_ = 0;
  WallClock::time_point start_, last_draw_{};
};

}  // namespace dtsim
