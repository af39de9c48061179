// When a readiness probe may start its (slow, blocking) check again, and what it answers
// meanwhile: at most one check in flight, at most one started per `min_interval`, the last
// result served in between, and "down" once a check has been running longer than `stuck_after`
// (a hung X server must not look healthy forever). Pure logic; the caller runs the check on a
// worker thread and reports its end with finished().
#pragma once

#include <chrono>

namespace ds::http {

class ProbeCache {
 public:
  using Clock = std::chrono::steady_clock;

  ProbeCache(bool initially_up, std::chrono::milliseconds min_interval,
             std::chrono::milliseconds stuck_after, Clock::time_point now)
      : up_(initially_up), min_interval_(min_interval), stuck_after_(stuck_after), checked_(now) {}

  // True when the caller should start a check now (and it is then counted as running).
  bool startCheck(Clock::time_point now);
  void finished(bool up, Clock::time_point now);
  // The answer to serve now.
  bool up(Clock::time_point now) const;
  bool running() const { return running_; }

 private:
  bool up_;
  std::chrono::milliseconds min_interval_;
  std::chrono::milliseconds stuck_after_;
  Clock::time_point checked_;
  Clock::time_point started_{};
  bool running_ = false;
};

}  // namespace ds::http
