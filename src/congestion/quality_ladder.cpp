#include "congestion/quality_ladder.hpp"

#include <algorithm>
#include <vector>

namespace ds::congestion {
namespace {

// The rungs for a configured frame rate: every frame rate of kFrameSteps below it at full size,
// then 10 fps at 75 % and 50 % of the size.
constexpr int kFrameSteps[] = {24, 20, 15, 10};
constexpr int kMinFps = 10;
constexpr int kScaleSteps[] = {75, 50};

std::vector<Quality> rungsFor(int fps) {
  std::vector<Quality> rungs{{std::max(1, fps), 100}};
  for (int f : kFrameSteps) {
    if (f < fps) rungs.push_back({f, 100});
  }
  const int low_fps = std::min(std::max(1, fps), kMinFps);
  for (int s : kScaleSteps) rungs.push_back({low_fps, s});
  return rungs;
}

}  // namespace

QualityLadder::QualityLadder(LadderSettings settings) { reset(settings); }

void QualityLadder::reset(LadderSettings settings) {
  settings_ = settings;
  rung_ = 0;
  current_ = rungsFor(settings_.fps).front();
  changed_at_.reset();
}

double QualityLadder::bitsPerPixel(int kbps, const Quality& q) const {
  const double pixels = static_cast<double>(settings_.width) * settings_.height *
                        (q.scale_percent / 100.0) * (q.scale_percent / 100.0);
  if (pixels <= 0 || q.fps <= 0) return 0;
  return kbps * 1000.0 / (pixels * q.fps);
}

int QualityLadder::bestRung(int kbps, double min_bpp) const {
  const auto rungs = rungsFor(settings_.fps);
  for (size_t i = 0; i < rungs.size(); ++i) {
    if (bitsPerPixel(kbps, rungs[i]) >= min_bpp) return static_cast<int>(i);
  }
  return static_cast<int>(rungs.size()) - 1;
}

Quality QualityLadder::update(int target_kbps, std::chrono::steady_clock::time_point now) {
  if (changed_at_ && now - *changed_at_ < settings_.min_interval) return current_;
  const auto rungs = rungsFor(settings_.fps);
  int next = rung_;
  const int down = bestRung(target_kbps, settings_.min_bits_per_pixel);
  if (down > rung_) {
    next = down;
  } else if (rung_ > 0 && bitsPerPixel(target_kbps, rungs[rung_ - 1]) >=
                              settings_.min_bits_per_pixel * settings_.step_up_margin) {
    next = rung_ - 1;
  }
  if (next != rung_) {
    rung_ = next;
    current_ = rungs[rung_];
    changed_at_ = now;
  }
  return current_;
}

}  // namespace ds::congestion
