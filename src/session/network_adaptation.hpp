// Congestion control for the shared encode: one congestion::Controller per video viewer, fed
// with that viewer's transport feedback, and one encoder setting for all of them: the lowest
// viewer target (never above the configured bitrate), and the frame rate and picture size the
// quality ladder picks for it. Without congestion control (SELKIES_CONGESTION_CONTROL=false) the
// encoder runs at the configured bitrate and frame rate, as on Selkies. Main-loop thread only.
#pragma once

#include <functional>
#include <map>
#include <optional>

#include "congestion/controller.hpp"
#include "congestion/quality_ladder.hpp"

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
};

class NetworkAdaptation {
 public:
  using Apply = std::function<void(const EncoderSetting&)>;

  NetworkAdaptation(bool enabled, int configured_kbps, int configured_fps, Apply apply);

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

  // What the encoder should run at now.
  EncoderSetting setting() const { return applied_; }
  std::optional<NetworkFigures> figures(int id) const;
  // Some viewer's network holds the shared encode below its configured quality.
  bool limited() const;

 private:
  // Applies the new setting if it changed (and the change is worth it, or `force`); true if
  // `apply` was called.
  bool recompute(congestion::Clock::time_point now, bool force);

  bool enabled_;
  int configured_kbps_;
  int configured_fps_;
  int width_ = 1920;
  int height_ = 1080;
  Apply apply_;
  std::map<int, congestion::Controller> viewers_;
  congestion::QualityLadder ladder_;
  EncoderSetting applied_;
};

}  // namespace ds::session
