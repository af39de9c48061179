// What to encode for a target bitrate: the configured frame rate and size while each pixel still
// gets enough bits for readable text, then fewer frames, and only then a smaller picture (the
// browser stretches it back). Fewer frames before blurry frames: a desktop is mostly text. Pure.
#pragma once

#include <chrono>
#include <optional>

namespace ds::congestion {

struct Quality {
  int fps = 30;
  int scale_percent = 100;  // of the captured width and height
  bool operator==(const Quality&) const = default;
};

struct LadderSettings {
  int width = 1920;
  int height = 1080;
  int fps = 30;  // configured
  // Bits per pixel per frame below which text starts to smear with a real-time H.264/VP8
  // encode of desktop content (x264 zerolatency: 1080p30 at 2.5 Mbit/s is 0.04).
  double min_bits_per_pixel = 0.04;
  // A step up needs this much more than the minimum at the new level (no flapping).
  double step_up_margin = 1.3;
  std::chrono::milliseconds min_interval{2000};  // between two changes
};

class QualityLadder {
 public:
  explicit QualityLadder(LadderSettings settings);

  // The quality for `target_kbps` now; changes at most once per min_interval, one rung at a time
  // going up, straight to the right rung going down.
  Quality update(int target_kbps, std::chrono::steady_clock::time_point now);
  const Quality& current() const { return current_; }
  // Bits per pixel per frame at `q` for `kbps`.
  double bitsPerPixel(int kbps, const Quality& q) const;
  // The configured size or frame rate changed (resize, `_arg_fps`): start again from the top.
  void reset(LadderSettings settings);

 private:
  // The best rung that gets at least `min_bpp` at `kbps` (the lowest rung when none does).
  int bestRung(int kbps, double min_bpp) const;

  LadderSettings settings_;
  Quality current_;
  int rung_ = 0;
  std::optional<std::chrono::steady_clock::time_point> changed_at_;
};

}  // namespace ds::congestion
