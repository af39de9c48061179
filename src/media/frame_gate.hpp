// Static-screen frame skipping (goal: an unchanging screen costs <= 3 % of one core).
// The capture still runs at the stream's frame rate, but a frame identical to the one before it
// only reaches the converter and encoder while the encoder is still refining the last change,
// as a heartbeat 4 times a second (so the browser never times out and asks for keyframes), or when
// a keyframe was requested (a new viewer, a PLI/FIR). Pure logic, no GStreamer: the caller says
// whether the frame changed. admit() runs on the capture thread; forceNext() on any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace ds::media {

struct FrameGateOptions {
  // Identical frames still encoded after a change, so the encoder refines the changed area
  // from its first rate-limited pass to full quality (x264 CBR needs a few frames for that).
  int settle_frames = 15;
  // At most this long without a frame. Chromium waits 3 x rtx-time for the next frame before it
  // sends a PLI (video_receive_stream2.cc, DetermineMaxWaitForFrame); the offer's rtx-time is
  // 125 ms (sdp/munge.hpp, as Selkies), so the limit is 375 ms. A repeat of an unchanged frame
  // encodes to a few hundred bytes of skipped macroblocks.
  std::chrono::milliseconds heartbeat{250};
};

// Settle frames for a frame rate: half a second of frames, at least 2.
FrameGateOptions frameGateOptionsFor(int framerate);

class FrameGate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit FrameGate(FrameGateOptions options) : options_(options) {}

  // True when the frame should be encoded. `changed`: it differs from the previous capture.
  bool admit(bool changed, Clock::time_point now);
  // The next frame passes even if unchanged (the encoder is waiting to send a keyframe).
  void forceNext() { force_.store(true, std::memory_order_relaxed); }

  uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  uint64_t admitted() const { return admitted_.load(std::memory_order_relaxed); }

 private:
  bool pass(Clock::time_point now);

  FrameGateOptions options_;
  std::atomic<bool> force_{false};
  int unchanged_run_ = 0;
  bool has_passed_ = false;
  Clock::time_point last_pass_{};
  std::atomic<uint64_t> skipped_{0};
  std::atomic<uint64_t> admitted_{0};
};

// True when two captured frames hold the same bytes (sizes must match too).
bool sameFrame(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size);

}  // namespace ds::media
