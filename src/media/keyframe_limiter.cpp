#include "media/keyframe_limiter.hpp"

namespace ds::media {

KeyframeLimiter::Decision KeyframeLimiter::request(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!pending_ && (!last_ || now - *last_ >= interval_)) {
    last_ = now;
    ++forwarded_;
    return Decision::kForward;
  }
  ++dropped_;
  if (!coalesce_ || pending_) return Decision::kCoalesced;
  pending_ = true;
  return Decision::kDefer;
}

KeyframeLimiter::Clock::time_point KeyframeLimiter::deferUntil() const {
  std::lock_guard lock(mutex_);
  return last_ ? *last_ + interval_ : Clock::time_point{};
}

void KeyframeLimiter::fireDeferred(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!pending_) return;
  pending_ = false;
  last_ = now;
  ++forwarded_;
}

uint64_t KeyframeLimiter::forwarded() const {
  std::lock_guard lock(mutex_);
  return forwarded_;
}

uint64_t KeyframeLimiter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace ds::media
