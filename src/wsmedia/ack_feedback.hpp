// Congestion feedback for one WebSocket media client, from what the server already knows: when
// each binary message was sent, how big it was, and when the browser's cumulative `ACK <seq>`
// for it came back (docs/protocol-websocket.md, docs/network.md). It turns those events into the
// samples the per-viewer congestion::Controller takes from a WebRTC viewer's TWCC summaries:
//
// Rates are of video only (the controller sets the video bitrate; audio takes its small share of
// the path, and its packets' ACK delays give the round trip).
//
// - sent_kbps: what the shared encode *offered* this client over the last window (300 ms, ending
//   at the newest offer), the frames the send policy skipped included. With at most two frames
//   in flight the socket is ACK-clocked: what we send never runs far ahead of what the page
//   receives, so a path slower than the encode shows up as skipped frames, not as sent bytes.
// - recv_kbps: the rate at which the path carried our bytes while it carried them: the bytes
//   acknowledged in the window ending at the newest ACK (by ACK time), over the time the path
//   spent on them.
//   In ACK time (shifted by the return trip), a frame moved from a base round trip after its
//   send (the smallest ACK delay of a small message, e.g. an audio packet), or from the
//   previous frame's ACK if that came later (it was queued behind that frame),
//   to its ACK. Idle time is left out (a static screen, a client waiting for a keyframe). A page
//   busy with something else acknowledges late, then several frames at once (one slow span, then
//   short ones), so the path's rate is taken over the last second. While the send policy
//   skipped nothing in the window, the client drained all that was offered: recv_kbps is then
//   at least the offered rate (no congestion); once it skips, recv_kbps is the path's rate, and
//   the controller's decrease (0.85 x recv) lands under it.
// - rtt_ms: the smallest ACK delay (ACK time - send time of the newest message it covers) over
//   the last rtt_interval; audio packets, small and sent every 10 ms, make it the round trip
//   plus what is queued in front of them.
//
// A sample is made only when an ACK arrives and the window holds video the path carried (no
// news, no sample: like TWCC, whose feedback needs arrivals), at most once per `interval`, once
// a full window has passed since the first video frame sent. Offers count from that frame on (a
// new client skips deltas until its first keyframe; that is not congestion). Pure: no sockets, no
// clock of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "congestion/controller.hpp"

namespace ds::wsmedia {

struct AckFeedbackOptions {
  std::chrono::milliseconds window{300};        // the rates' window (as rtpsession's twcc-stats)
  std::chrono::milliseconds interval{100};      // at most one feedback sample per interval
  std::chrono::milliseconds rtt_interval{500};  // at most one RTT sample per interval
  // Offered bytes are spread from the previous offer over at most this long (a frame after a
  // pause is not smeared over the pause).
  std::chrono::milliseconds max_spread{100};
  // The base round trip: the smallest ACK delay of a message of at most small_bytes, over
  // base_rtt_window.
  size_t small_bytes = 2000;
  std::chrono::seconds base_rtt_window{10};
  std::chrono::milliseconds path_rate_window{1000};
  // A video message unacknowledged for this long past the base round trip, while frames are
  // skipped, is a stall; one StallSample per stall_interval while it lasts.
  std::chrono::milliseconds stall_after{1000};
  std::chrono::milliseconds stall_interval{1000};
};

// The path has not acknowledged video for `stalled_ms`: it carries under `path_kbps`.
struct StallSample {
  congestion::Clock::time_point at;
  double path_kbps = 0;
  double stalled_ms = 0;
};

struct AckSample {
  congestion::Feedback feedback;
  std::optional<double> rtt_ms;
};

class AckFeedback {
 public:
  using Clock = congestion::Clock;
  // Messages remembered between send and ACK; the send policy keeps far fewer in flight.
  static constexpr size_t kMaxInFlight = 4096;

  explicit AckFeedback(AckFeedbackOptions options = {}) : options_(options) {}

  // Message `seq` of `bytes` went out at `at` (`video`: a video frame, else an audio packet).
  void onSent(uint32_t seq, Clock::time_point at, size_t bytes, bool video = true);
  // A video frame of `bytes` was ready for this client at `at`, whether the send policy sent it
  // or `skipped` it (after onSent for one that was sent).
  void onOffered(Clock::time_point at, size_t bytes, bool skipped = false);
  // `ACK <seq>` (already accepted by the SendPolicy: not ahead of what was sent). Returns a
  // sample when one is due.
  std::optional<AckSample> onAck(uint32_t seq, Clock::time_point at);
  // After a skipped frame: a stall sample when one is due (see above).
  std::optional<StallSample> checkStall(Clock::time_point now);

  // The path's base round trip (ms; 0 until a small message was acknowledged) and the frames
  // it holds at the offered frame rate (SendPolicy::setRoundTripFrames).
  double baseRttMs() const;
  unsigned roundTripFrames() const;

  // The newest sample's figures, for /metrics.
  const std::optional<congestion::Feedback>& lastFeedback() const { return last_feedback_; }
  std::optional<double> lastRttMs() const { return last_rtt_ms_; }

 private:
  struct Span {  // `bytes` spread evenly over [from, to]
    Clock::time_point from;
    Clock::time_point to;
    double bytes;
  };
  struct Sent {
    uint32_t seq;
    Clock::time_point at;
    size_t bytes;
    bool video;
    double acked_before;  // acked_bytes_ when it was sent
  };
  struct Delivered {
    double bytes = 0;
    double ms = 0;  // the path's time on them
  };
  // Offered bytes inside the window ending at `end`.
  double offeredIn(Clock::time_point end) const;
  // The video acknowledged in `window` ending at `end` (whole spans, by ACK time).
  Delivered deliveredIn(Clock::time_point end, std::chrono::milliseconds window) const;
  void prune(std::deque<Span>& spans, Clock::time_point now,
             std::chrono::milliseconds window) const;
  void noteDelay(Clock::time_point at, double delay_ms, size_t bytes);

  AckFeedbackOptions options_;
  std::deque<Span> offered_;
  std::deque<Span> delivered_;
  std::deque<Sent> in_flight_;
  double acked_bytes_ = 0;  // every byte acknowledged so far, audio included
  std::optional<Clock::time_point> first_video_sent_;
  std::optional<Clock::time_point> last_offer_;
  std::optional<Clock::time_point> last_skip_;
  double frame_interval_ms_ = 0;  // smoothed gap between offered frames (0: unknown)
  std::optional<Clock::time_point> last_video_ack_;  // the last ACK that covered a video frame
  std::optional<Clock::time_point> last_sample_;
  std::optional<Clock::time_point> last_stall_;
  std::optional<Clock::time_point> rtt_since_;
  std::optional<double> rtt_min_;  // over the current rtt_interval
  // The smallest small-message delay per rtt_interval, for the base round trip.
  std::deque<std::pair<Clock::time_point, double>> small_delays_;
  std::optional<double> small_min_;  // over the current rtt_interval
  std::optional<congestion::Feedback> last_feedback_;
  std::optional<double> last_rtt_ms_;
};

}  // namespace ds::wsmedia
