// The overall keyframe limit on the shared encoder (media/keyframe_limiter.hpp, docs/security.md):
// a probe on the encoder's source pad sees every force-key-unit event (a viewer's PLI/FIR, already
// limited per viewer, or requestKeyframe()), passes at most one per interval and turns the rest
// into one keyframe at the end of the interval. Each request it lets reach the encoder is reported
// through `on_approved` (the pipeline lets the next frame through its static-screen gate, since the
// encoder needs a frame to make the keyframe from).
// Main-loop thread, except the probe (streaming threads) and on_approved (called from the probe).
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "media/keyframe_limiter.hpp"

namespace ds::media {

class KeyframeRequests {
 public:
  KeyframeRequests(std::chrono::milliseconds overall, std::function<void()> on_approved);
  ~KeyframeRequests();
  KeyframeRequests(const KeyframeRequests&) = delete;
  KeyframeRequests& operator=(const KeyframeRequests&) = delete;

  // Watches the force-key-unit events reaching `encoder` (kept, not owned: the pipeline must
  // stop before this object goes).
  void attach(GstElement* encoder);
  // Asks the encoder for a keyframe, within the overall limit.
  void request();

  uint64_t forwarded() const { return limiter_.forwarded(); }
  uint64_t dropped() const { return limiter_.dropped(); }

 private:
  struct Token {
    KeyframeRequests* self;
  };
  void send(bool approved);
  void scheduleDeferred();
  static GstPadProbeReturn probe(GstPad* pad, GstPadProbeInfo* info, gpointer self);

  KeyframeLimiter limiter_;
  std::function<void()> on_approved_;
  GstElement* encoder_ = nullptr;
  guint timer_ = 0;  // the deferred keyframe's timeout
  std::shared_ptr<Token> token_ = std::make_shared<Token>(Token{this});
};

}  // namespace ds::media
