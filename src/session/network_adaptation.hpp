// Congestion control for the shared encode: one congestion::Controller per video viewer, fed
// with that viewer's transport feedback, and one encoder setting for all of them: the lowest
// viewer target (never above the configured bitrate), and the frame rate and picture size the
// quality ladder picks for it. A viewer far slower than the others (congestion::TierSplit) is
// moved to a second, lower encode with its own setting, so it does not set everyone's quality;
// only viewers marked movable (setMovable) are. Without congestion control
// (SELKIES_CONGESTION_CONTROL=false) the encoder runs at the configured bitrate and frame rate,
// as on Selkies, and nobody is moved. Main-loop thread only.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>

#include "congestion/controller.hpp"
#include "congestion/quality_ladder.hpp"
#include "congestion/tier_split.hpp"

namespace ds::session {

struct EncoderSetting {
  int kbps = 0;
  int fps = 0;
  int scale_percent = 100;  // of the captured width and height (the browser stretches it back)
  bool operator==(const EncoderSetting&) const = default;
};

// One viewer's figures for /metrics and the page.
struct NetworkFigures {
  int target_kbps = 0;    // this viewer's controller target
  int capacity_kbps = 0;  // received rate at the last congestion (0: none seen)
  double queue_ms = 0;    // estimated queueing delay on its path
  double loss = 0;        // smoothed TWCC loss, 0..1
  std::optional<double> rtt_ms;
  bool limited = false;                  // the network holds it below the configured bitrate
  congestion::DecreaseCounts decreases;  // what lowered the target, per rule
  bool low_encode = false;               // it watches the second, lower encode
};

class NetworkAdaptation {
 public:
  using Apply = std::function<void(const EncoderSetting&)>;
  // The lower encode's setting changed, or who watches it (nullopt: nobody, it can stop).
  using ApplyLow = std::function<void(const std::optional<EncoderSetting>&)>;

  NetworkAdaptation(bool enabled, int configured_kbps, int configured_fps, Apply apply,
                    congestion::TierSettings tiers = {});
  void onLowEncode(ApplyLow apply_low) { apply_low_ = std::move(apply_low); }

  bool enabled() const { return enabled_; }
  // Configuration or the data channel changed the bitrate/frame rate (`vb`, `_arg_fps`): the
  // new ceiling. Always calls `apply` (with the viewers' target under the new ceiling), since
  // the caller resets the encoder to the configured values first.
  void setConfigured(int kbps, int fps);
  // The captured picture's size (the ladder's bits per pixel depend on it).
  void setPictureSize(int width, int height);

  void addViewer(int id, congestion::Clock::time_point now);
  void removeViewer(int id);
  void onFeedback(int id, const congestion::Feedback& fb);
  void onRtt(int id, congestion::Clock::time_point at, double rtt_ms);
  // Viewer `id`'s path has carried nothing for a while, so under `path_kbps`
  // (congestion::Controller::onStall).
  void onStall(int id, congestion::Clock::time_point at, double path_kbps);
  // Whether viewer `id`'s stream can be moved to the lower encode now (its branch is linked to
  // an encode of a codec media::RtpSwitch knows). Unmovable viewers return to the shared one.
  void setMovable(int id, bool movable);

  // What the shared encoder should run at now.
  EncoderSetting setting() const { return applied_; }
  // The lower encode's setting, while some viewer needs it.
  std::optional<EncoderSetting> lowSetting() const { return low_applied_; }
  const std::set<int>& lowViewers() const { return split_.low(); }
  // What viewer `id` receives: the lower encode's setting or the shared one.
  EncoderSetting settingFor(int id) const;
  std::optional<NetworkFigures> figures(int id) const;
  // The lowest target among the viewers (none without congestion control or viewers).
  std::optional<int> lowestTargetKbps() const;
  // Some viewer's network holds the shared encode below its configured quality.
  bool limited() const;
  // Viewer `id` receives less than the configured quality because of a network (its own, or
  // for the shared encode another viewer's).
  bool limitedFor(int id) const;

 private:
  // Applies the new setting if it changed (and the change is worth it, or `force`); true if
  // `apply` was called.
  bool recompute(congestion::Clock::time_point now, bool force);
  // The lower encode's part of recompute(): who is on it and at what.
  void recomputeLow(congestion::Clock::time_point now, bool force);
  bool isLimited(const EncoderSetting& s) const;

  bool enabled_;
  int configured_kbps_;
  int configured_fps_;
  int width_ = 1920;
  int height_ = 1080;
  Apply apply_;
  std::map<int, congestion::Controller> viewers_;
  congestion::QualityLadder ladder_;
  EncoderSetting applied_;
  ApplyLow apply_low_;
  std::map<int, bool> movable_;
  congestion::TierSplit split_;
  congestion::QualityLadder low_ladder_;
  std::optional<EncoderSetting> low_applied_;
  std::set<int> low_members_applied_;  // lowViewers() as last reported through apply_low_
};

}  // namespace ds::session
