#include "http/probe_cache.hpp"

namespace ds::http {

bool ProbeCache::startCheck(Clock::time_point now) {
  if (running_ || now - checked_ < min_interval_) return false;
  running_ = true;
  started_ = now;
  return true;
}

void ProbeCache::finished(bool up, Clock::time_point now) {
  up_ = up;
  running_ = false;
  checked_ = now;
}

bool ProbeCache::up(Clock::time_point now) const {
  if (running_ && now - started_ >= stuck_after_) return false;
  return up_;
}

}  // namespace ds::http
