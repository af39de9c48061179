// Rate limits on keyframe requests (PLI/FIR from viewers, new viewers, capture restarts), so one
// viewer spamming PLIs cannot make the shared encoder send keyframes (big frames, more CPU and
// bitrate) for everyone (docs/security.md). Two places use it:
//  - per peer (webrtc/peer_branch.cpp, a probe on the branch queue): at most one request per
//    `per_peer` interval is passed on; the rest are dropped, since a keyframe asked for less than
//    that long ago is already on its way to this viewer. A peer's first request always passes.
//  - overall (media/video_pipeline.cpp, a probe on the encoder): at most one forced keyframe per
//    `overall` interval. A request inside the interval is not lost: it is coalesced into one
//    keyframe at the end of the interval, so every viewer, a new one included, gets its keyframe
//    within `overall` of asking even while another viewer spams.
// Pure logic (the caller passes the time); thread-safe (the probes run on streaming threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace ds::media {

struct KeyframeLimits {
  std::chrono::milliseconds per_peer{500};  // 2 requests/s per viewer
  std::chrono::milliseconds overall{500};   // 2 forced keyframes/s in all; 0 = unlimited
};

class KeyframeLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Decision {
    kForward,    // pass the request on now
    kDefer,      // drop it, and ask for one keyframe at deferUntil() (schedule a timer)
    kCoalesced,  // drop it: a deferred keyframe is already scheduled (or, per peer, on its way)
  };

  // `coalesce`: requests inside the interval are deferred to its end (overall use) instead of
  // dropped (per-peer use).
  KeyframeLimiter(std::chrono::milliseconds interval, bool coalesce)
      : interval_(interval), coalesce_(coalesce) {}

  Decision request(Clock::time_point now);
  // When a deferred keyframe is due (valid after kDefer).
  Clock::time_point deferUntil() const;
  // The deferred keyframe is being sent now.
  void fireDeferred(Clock::time_point now);

  uint64_t forwarded() const;
  uint64_t dropped() const;

 private:
  mutable std::mutex mutex_;
  std::chrono::milliseconds interval_;
  bool coalesce_;
  std::optional<Clock::time_point> last_;
  bool pending_ = false;
  uint64_t forwarded_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace ds::media
