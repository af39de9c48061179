// The bitrate controller of one viewer: what the path to this browser carries, from the browser's
// transport-wide congestion control (TWCC) feedback, as GStreamer's rtpsession summarises it over
// a 300 ms window (`twcc-stats`: bits sent, bits received by arrival time, packets lost), and from
// RTCP round-trip times. Pure: no GStreamer, no clock of its own (every input carries its time).
//
// Design (docs/network.md), after GCC's delay- and loss-based split:
// - Delay: the queueing delay on the path, measured packet by packet when the feedback carries
//   each packet's times (DelayTracker; WebRTC viewers), else estimated: when the browser
//   receives more slowly than we send, a queue is growing, and the controller integrates that
//   growth (sent/received - 1 over time) into an estimate that leaks with a 1 s time constant.
//   While the queue is above 30 ms and still growing (measured: by over 10 ms in 500 ms;
//   estimated: by 3 % or more), the target drops to 0.85 x the received rate, so the queue
//   drains (an estimate is then reset). It holds while an estimated queue is above 10 ms or a
//   measured one drains (a measured queue that stays without growing is also what a longer path
//   looks like, until the base delay catches up). A measured queue over 100 ms lowers the
//   target even when it no longer grows. Without a measurement, a round
//   trip more than 100 ms over the smallest recently seen says the same of a standing queue. At
//   most one decrease per reaction time (max(300 ms, RTT)).
// - Loss (after NACK repair has had its chance; random loss alone is not congestion): above 10 %
//   the target drops by half the loss, at most once a second; between 2 and 10 % it holds.
// - Stall (a WebSocket viewer with nothing acknowledged for over a second, so no feedback at
//   all): the target drops to 0.85 x the bound on the path's rate the stall gives, but at most
//   by half per stall sample (one a second), within the same one decrease per reaction time.
// - Otherwise it rises: 8 %/s for 2 s after a decrease while we send 0.8 x the capacity just
//   measured or more (an encoder that sends well under it, as x264 does, is not close to it), and
//   while we send 0.95 x the capacity last measured or more, until the path carries 1.05 x that
//   (GCC's slow increase near its link capacity estimate), else 40 %/s, so a lifted cap is back
//   to the configured bitrate within a few seconds. Within 30 s of a delay decrease, it rises
//   no further than 0.85 x the path's rate the frames' packet trains measure (BurstRate) or what
//   the path carries, whichever is higher: the target no longer climbs far past a capacity
//   that an encoder sending a share of its target overflows when its content needs more. It holds
//   while the encoder sends less than a quarter of the target (a static screen probes nothing;
//   an encoder whose content needs only half the target still lets it rise).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

namespace ds::congestion {

using Clock = std::chrono::steady_clock;

// One summary of transport feedback (twcc-stats).
struct Feedback {
  Clock::time_point at;
  double sent_kbps = 0;  // sent over the window, by our send times
  double recv_kbps = 0;  // received over the window, by the browser's arrival times
  double loss = 0;       // share of the window's packets reported lost, 0..1
  // The queueing delay measured packet by packet (DelayTracker), when the feedback has per-packet
  // times; without it the controller estimates the queue from sent and received rates.
  std::optional<double> queue_delay_ms;
  // The path's rate as the frames' packet trains measured it (BurstRate), with per-packet sizes.
  std::optional<double> burst_kbps;
};

struct Limits {
  int min_kbps = 200;
  int max_kbps = 8000;    // the configured bitrate: the target never exceeds it
  int start_kbps = 8000;  // clamped to [min, max]
};

enum class Trend { kIncrease, kHold, kDecrease };

// How many times each rule lowered the target (monotonic): which signal holds a stream down.
struct DecreaseCounts {
  uint64_t delay = 0;  // a growing queue (sent faster than received)
  uint64_t rtt = 0;    // a standing queue (round trip far over its recent minimum)
  uint64_t loss = 0;   // loss after repair
  uint64_t stall = 0;  // no feedback: the path has carried nothing for a while
};

class Controller {
 public:
  Controller(Limits limits, Clock::time_point now);

  // Returns the target bitrate (kbit/s) after this feedback.
  int onFeedback(const Feedback& fb);
  // The path has carried none of what is in flight for a while, so it carries under
  // `path_kbps` (wsmedia::AckFeedback::checkStall); feedback has stopped. Returns the target.
  int onStall(Clock::time_point at, double path_kbps);
  // A round-trip time from an RTCP receiver report.
  void onRtt(Clock::time_point at, double rtt_ms);
  // The configured bitrate changed: the new ceiling (the target is clamped to it).
  void setMaxKbps(int kbps);

  int targetKbps() const { return static_cast<int>(target_); }
  int maxKbps() const { return limits_.max_kbps; }
  // The received rate when the path last showed congestion; 0 until it has.
  int capacityKbps() const { return static_cast<int>(capacity_); }
  Trend trend() const { return trend_; }
  // Why the last decision was taken: "delay", "rtt", "loss", "stall", "app-limited", "probe",
  // "ceiling" (the rise stopped at the path's measured rate), "start".
  std::string_view reason() const { return reason_; }
  std::optional<double> rttMs() const { return rtt_ms_; }
  double lossFraction() const { return loss_ema_; }
  double queueMs() const { return queue_ms_; }
  const DecreaseCounts& decreases() const { return decreases_; }
  // The network holds the target clearly below the configured bitrate.
  bool limited() const { return target_ < 0.9 * limits_.max_kbps; }

  // Tuning, exposed for tests and docs.
  // The last sent and received figures a median is taken of (a decrease's base, the slow rise).
  static constexpr size_t kMedianOf = 5;
  static constexpr double kOveruseQueueMs = 30;    // estimated queue growth above: overuse
  static constexpr double kHoldQueueMs = 10;       // above: hold (no increase)
  static constexpr double kQueueLeakS = 1;         // time constant of the estimate's leak
  static constexpr double kOveruseGrowth = 0.03;   // growth per second of dt: 3 % slower
  static constexpr double kDecreaseFactor = 0.85;  // of the received rate
  static constexpr double kStandingQueueMs = 100;  // RTT over the minimum: overuse
  static constexpr double kStallDecrease = 0.5;    // the most a stall sample lowers the target
  static constexpr double kLossDecrease = 0.10;    // smoothed loss above: decrease
  static constexpr double kLossHold = 0.02;        // smoothed loss above: hold
  // For kCautious after a decrease, and while the sent rate is kNearCapacity x the capacity last
  // measured or more, until the path carries kCapacityGrown x that.
  static constexpr double kSlowIncreasePerS = 1.08;
  static constexpr double kNearCapacity = 0.95;
  static constexpr double kCapacityGrown = 1.05;
  static constexpr double kFastIncreasePerS = 1.40;
  static constexpr std::chrono::milliseconds kCautious{2000};
  // ... but only while the encoder sends this share of that capacity or more.
  static constexpr double kCautiousShare = 0.8;
  // The rise's ceiling: this share of the packet trains' rate, for kCeilingMemory after a delay
  // decrease.
  static constexpr double kCeilingShare = 0.85;
  static constexpr std::chrono::seconds kCeilingMemory{30};
  static constexpr std::chrono::milliseconds kMinReaction{300};
  static constexpr std::chrono::milliseconds kLossReaction{1000};
  static constexpr std::chrono::seconds kMinRttWindow{30};
  // Measured queue: rising by more than this over kRiseOver is growth (20 ms/s: a rate 2 %
  // over the path's), falling by more is draining.
  static constexpr double kRiseMs = 10;
  static constexpr std::chrono::milliseconds kRiseOver{500};

 private:
  bool standingQueue(Clock::time_point now) const;
  // Update queue_ms_ from the feedback and return the queue's growth over the feedback (ms;
  // measured: its rise over kRiseOver, negative while it drains).
  double measuredGrowth(Clock::time_point at, double queue_ms);
  double estimatedGrowth(const Feedback& fb, double dt);
  // False when the last decrease is too recent (the target is then unchanged).
  bool decrease(Clock::time_point now, double to, std::string_view why);
  void clamp();

  Limits limits_;
  double target_;
  double capacity_ = 0;
  bool near_capacity_ = false;      // capacity_ still holds: the path has not carried clearly more
  double log_ratio_ema_ = 0;        // smoothed log(sent/received)
  std::deque<double> recent_recv_;  // the last few received figures: a decrease's base
  std::deque<double> recent_sent_;  // and sent figures
  double queue_ms_ = 0;  // queueing delay built up on the path, estimated from sent vs received
  std::deque<std::pair<Clock::time_point, double>> measured_;  // recent measured queue delays
  double loss_ema_ = 0;
  std::optional<double> rtt_ms_;
  std::optional<Clock::time_point> rtt_at_;
  bool rtt_acted_ = false;  // the newest round trip already caused a decrease
  std::deque<std::pair<Clock::time_point, double>> rtts_;  // for the recent minimum
  Clock::time_point last_update_;
  std::optional<Clock::time_point> last_decrease_;
  std::optional<Clock::time_point> cautious_from_;  // the last decrease but a stall's
  std::optional<Clock::time_point> last_delay_decrease_;
  std::optional<Clock::time_point> last_loss_decrease_;
  Trend trend_ = Trend::kHold;
  std::string_view reason_ = "start";
  DecreaseCounts decreases_;
};

}  // namespace ds::congestion
