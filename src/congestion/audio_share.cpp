#include "congestion/audio_share.hpp"

#include <algorithm>
#include <iterator>

namespace ds::congestion {
namespace {

constexpr int kStepsBps[] = {96000, 64000, 48000, 32000, 24000};  // highest first
constexpr int kVideoShare = 4;  // audio takes at most 1/4 of the lowest video target

// The highest step (or the configured bitrate) that `cap_bps` allows.
int stepFor(int configured_bps, long cap_bps) {
  if (cap_bps >= configured_bps) return configured_bps;
  for (int step : kStepsBps) {
    if (step <= cap_bps) return std::min(step, configured_bps);
  }
  return std::min(kStepsBps[std::size(kStepsBps) - 1], configured_bps);
}

}  // namespace

int audioBitrateFor(int configured_bps, std::optional<int> lowest_video_kbps, int previous_bps) {
  if (!lowest_video_kbps) return configured_bps;
  const long cap_bps = static_cast<long>(*lowest_video_kbps) * 1000 / kVideoShare;
  const int step = stepFor(configured_bps, cap_bps);
  if (previous_bps <= 0 || step <= previous_bps) return step;
  return std::max(std::min(previous_bps, configured_bps), stepFor(configured_bps, cap_bps * 4 / 5));
}

}  // namespace ds::congestion
