// Watches one viewer's transport: the transport-wide congestion control summaries GStreamer's
// rtpsession computes from the browser's feedback (`twcc-stats`, one per feedback packet, over a
// 300 ms window) with the queueing delay measured from the same feedback's per-packet times
// (congestion::DelayTracker), and the RTCP receiver reports (round trip, loss) and feedback
// counts (NACK, PLI, FIR) of our video sender. Main-loop thread only; rtpsession's threads reach
// it through a weak reference, so it can be destroyed at any time.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "congestion/controller.hpp"
#include "media/gst_util.hpp"
#include "webrtc/rtx_guard.hpp"

namespace ds::webrtc {

struct TransportStats {
  std::optional<double> rtt_ms;         // from the last receiver report about our video
  std::optional<double> fraction_lost;  // the same report's loss fraction, 0..1
  uint64_t nacks = 0;                   // NACK, PLI and FIR received for our video
  uint64_t plis = 0;
  uint64_t firs = 0;
  uint64_t packets_sent = 0;  // RTP packets of our video, retransmissions included
  RtxCounts retransmissions;  // the browser's retransmission requests: answered, refused
  std::optional<congestion::Feedback> feedback;  // the newest TWCC summary
};

class TransportMonitor {
 public:
  using FeedbackCallback = std::function<void(const congestion::Feedback&)>;
  using RttCallback = std::function<void(double rtt_ms)>;

  // Attaches to `webrtcbin`'s RTP session 0 (everything is bundled) once it exists, polling
  // every 500 ms for receiver reports. Takes a reference to `webrtcbin`. `rtx`, if given, must
  // outlive the monitor: its counts are copied at each poll.
  TransportMonitor(GstElement* webrtcbin, FeedbackCallback on_feedback, RttCallback on_rtt,
                   const RtxGuard* rtx = nullptr);
  ~TransportMonitor();
  TransportMonitor(const TransportMonitor&) = delete;
  TransportMonitor& operator=(const TransportMonitor&) = delete;

  const TransportStats& stats() const { return stats_; }

  struct Shared;
  // Internal: a summary hopped to the main loop from rtpsession's thread.
  void onTwccStats(const congestion::Feedback& fb);

 private:
  static gboolean onPoll(gpointer data);
  void poll();
  void attach();

  media::GstPtr<GstElement> webrtc_;    // our reference
  media::GObjectPtr<GObject> session_;  // the rtpsession element, once attached
  media::GstPtr<GstPad> rtp_sink_;      // rtpbin's RTP sink: per-packet feedback passes it
  gulong probe_ = 0;
  FeedbackCallback on_feedback_;
  RttCallback on_rtt_;
  const RtxGuard* rtx_;
  std::shared_ptr<Shared> shared_;
  guint timer_ = 0;
  TransportStats stats_;
  uint32_t last_rtt_raw_ = 0;  // report changes only
  bool measuring_ = false;     // per-packet queue figures have arrived (logged once)
};

}  // namespace ds::webrtc
