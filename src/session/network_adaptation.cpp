#include "session/network_adaptation.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace ds::session {
namespace {

constexpr int kMinKbps = 100;
// Encoder updates smaller than this share are not worth a reconfiguration (a rising target
// moves by under 1 % per feedback).
constexpr double kMinChange = 0.03;

// Only the bitrate moved, by less than kMinChange.
bool minorChange(const EncoderSetting& next, const EncoderSetting& applied) {
  return next.fps == applied.fps && next.scale_percent == applied.scale_percent &&
         std::abs(next.kbps - applied.kbps) < kMinChange * applied.kbps;
}

congestion::LadderSettings ladderFor(int width, int height, int fps) {
  congestion::LadderSettings s;
  s.width = width;
  s.height = height;
  s.fps = fps;
  return s;
}

}  // namespace

NetworkAdaptation::NetworkAdaptation(bool enabled, int configured_kbps, int configured_fps,
                                     Apply apply, congestion::TierSettings tiers)
    : enabled_(enabled),
      configured_kbps_(configured_kbps),
      configured_fps_(configured_fps),
      apply_(std::move(apply)),
      ladder_(ladderFor(width_, height_, configured_fps)),
      applied_{configured_kbps, configured_fps},
      split_(tiers),
      low_ladder_(ladderFor(width_, height_, configured_fps)) {}

void NetworkAdaptation::setConfigured(int kbps, int fps) {
  const bool fps_changed = fps != configured_fps_;
  configured_kbps_ = kbps;
  configured_fps_ = fps;
  for (auto& [id, c] : viewers_) c.setMaxKbps(kbps);
  if (fps_changed) {
    ladder_.reset(ladderFor(width_, height_, fps));
    low_ladder_.reset(ladderFor(width_, height_, fps));
  }
  // Applied even when unchanged: the caller has just set the encoder to the configured values,
  // and the encoder must go back under the viewers' targets at once (a user's bitrate is the
  // ceiling congestion control works under, not a jump above what the network carries).
  if (!recompute(congestion::Clock::now(), true) && apply_) apply_(applied_);
}

void NetworkAdaptation::setPictureSize(int width, int height) {
  if (width <= 0 || height <= 0 || (width == width_ && height == height_)) return;
  width_ = width;
  height_ = height;
  ladder_.reset(ladderFor(width_, height_, configured_fps_));
  low_ladder_.reset(ladderFor(width_, height_, configured_fps_));
  recompute(congestion::Clock::now(), true);
}

void NetworkAdaptation::addViewer(int id, congestion::Clock::time_point now) {
  if (!enabled_) return;
  congestion::Limits limits;
  limits.min_kbps = std::min(kMinKbps, configured_kbps_);
  limits.max_kbps = configured_kbps_;
  // A new viewer starts where the encode is (a second viewer does not reset the first one's
  // adaptation); the first starts at the configured bitrate, for a sharp first picture.
  limits.start_kbps = viewers_.empty() ? configured_kbps_ : applied_.kbps;
  viewers_.insert_or_assign(id, congestion::Controller(limits, now));
}

void NetworkAdaptation::removeViewer(int id) {
  movable_.erase(id);
  if (viewers_.erase(id) == 0) return;
  if (viewers_.empty()) {
    ladder_.reset(ladderFor(width_, height_, configured_fps_));
    applied_ = {configured_kbps_, configured_fps_};  // the next pipeline starts from the top
    recomputeLow(congestion::Clock::now(), false);   // nobody left on the lower encode
    return;
  }
  recompute(congestion::Clock::now(), false);
}

void NetworkAdaptation::setMovable(int id, bool movable) {
  if (viewers_.count(id) == 0) return;
  movable_[id] = movable;
  if (!movable && split_.low().count(id) != 0) recompute(congestion::Clock::now(), false);
}

void NetworkAdaptation::onFeedback(int id, const congestion::Feedback& fb) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  it->second.onFeedback(fb);
  recompute(fb.at, false);
}

void NetworkAdaptation::onStall(int id, congestion::Clock::time_point at, double path_kbps) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  it->second.onStall(at, path_kbps);
  recompute(at, false);
}

void NetworkAdaptation::onRtt(int id, congestion::Clock::time_point at, double rtt_ms) {
  auto it = viewers_.find(id);
  if (it != viewers_.end()) it->second.onRtt(at, rtt_ms);
}

bool NetworkAdaptation::recompute(congestion::Clock::time_point now, bool force) {
  EncoderSetting next{configured_kbps_, configured_fps_};
  recomputeLow(now, force);
  if (enabled_ && !viewers_.empty()) {
    int kbps = configured_kbps_;
    for (const auto& [id, c] : viewers_) {
      if (split_.low().count(id) == 0) kbps = std::min(kbps, c.targetKbps());
    }
    next.kbps = kbps;
    const congestion::Quality q = ladder_.update(kbps, now);
    next.fps = std::min(configured_fps_, q.fps);
    next.scale_percent = q.scale_percent;
  }
  const bool small = minorChange(next, applied_) && next.kbps != configured_kbps_;
  if (next == applied_ || (small && !force)) return false;
  applied_ = next;
  if (apply_) apply_(applied_);
  return true;
}

void NetworkAdaptation::recomputeLow(congestion::Clock::time_point now, bool force) {
  std::vector<congestion::TierViewer> tier_viewers;
  if (enabled_) {
    for (const auto& [id, c] : viewers_) {
      auto m = movable_.find(id);
      tier_viewers.push_back({id, c.targetKbps(), m != movable_.end() && m->second});
    }
  }
  const std::set<int>& low = split_.update(tier_viewers, now);
  std::optional<EncoderSetting> next;
  if (!low.empty()) {
    int kbps = configured_kbps_;
    for (int id : low) kbps = std::min(kbps, viewers_.at(id).targetKbps());
    const congestion::Quality q = low_ladder_.update(kbps, now);
    next = EncoderSetting{kbps, std::min(configured_fps_, q.fps), q.scale_percent};
  } else if (low_applied_) {
    low_ladder_.reset(ladderFor(width_, height_, configured_fps_));
  }
  const bool members_changed = low != low_members_applied_;
  // The shared encode's viewers changed: its ladder starts again from the top, so it goes
  // straight to the rung their targets allow (one rung per 2 s would keep the fast viewers at
  // the slow one's frame rate for several seconds after it left).
  if (members_changed) ladder_.reset(ladderFor(width_, height_, configured_fps_));
  const bool small = next && low_applied_ && minorChange(*next, *low_applied_);
  if (!members_changed && (next == low_applied_ || (small && !force))) return;
  low_applied_ = next;
  low_members_applied_ = low;
  if (apply_low_) apply_low_(low_applied_);
}

std::optional<NetworkFigures> NetworkAdaptation::figures(int id) const {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return std::nullopt;
  const auto& c = it->second;
  return NetworkFigures{
      c.targetKbps(), c.capacityKbps(), c.queueMs(),   c.lossFraction(),
      c.rttMs(),      c.limited(),      c.decreases(), split_.low().count(id) != 0};
}

EncoderSetting NetworkAdaptation::settingFor(int id) const {
  if (low_applied_ && split_.low().count(id) != 0) return *low_applied_;
  return applied_;
}

bool NetworkAdaptation::isLimited(const EncoderSetting& s) const {
  return enabled_ &&
         (s.kbps < 0.9 * configured_kbps_ || s.fps < configured_fps_ || s.scale_percent < 100);
}

std::optional<int> NetworkAdaptation::lowestTargetKbps() const {
  std::optional<int> lowest;
  for (const auto& [id, c] : viewers_) {
    if (!lowest || c.targetKbps() < *lowest) lowest = c.targetKbps();
  }
  return lowest;
}

bool NetworkAdaptation::limited() const { return isLimited(applied_); }

bool NetworkAdaptation::limitedFor(int id) const { return isLimited(settingFor(id)); }

}  // namespace ds::session
