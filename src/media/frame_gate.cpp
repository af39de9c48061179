#include "media/frame_gate.hpp"

#include <algorithm>
#include <cstring>

namespace ds::media {

FrameGateOptions frameGateOptionsFor(int framerate) {
  FrameGateOptions o;
  o.settle_frames = std::max(2, framerate / 2);
  return o;
}

bool FrameGate::pass(Clock::time_point now) {
  has_passed_ = true;
  last_pass_ = now;
  admitted_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool FrameGate::admit(bool changed, Clock::time_point now) {
  const bool forced = force_.exchange(false, std::memory_order_relaxed);
  if (changed) {
    unchanged_run_ = 0;
    return pass(now);
  }
  ++unchanged_run_;
  if (forced || !has_passed_ || unchanged_run_ <= options_.settle_frames ||
      now - last_pass_ >= options_.heartbeat) {
    return pass(now);
  }
  skipped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool sameFrame(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size) {
  return a_size == b_size && (a == b || std::memcmp(a, b, a_size) == 0);
}

}  // namespace ds::media
