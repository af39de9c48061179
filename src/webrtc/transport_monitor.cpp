#include "webrtc/transport_monitor.hpp"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "congestion/burst_rate.hpp"
#include "congestion/delay_tracker.hpp"
#include "core/log.hpp"
#include "core/tsan.hpp"
#include "media/main_thread.hpp"

namespace ds::webrtc {

struct TransportMonitor::Shared {
  TransportMonitor* owner = nullptr;
  // rtpsession's thread only (the feedback's packets, then its summary, in one call).
  std::mutex lock;
  congestion::DelayTracker delays;
  congestion::BurstRate bursts;
  std::optional<double> queue_ms;  // the newest measured queue; kept until the next one
};

namespace {

constexpr const char* kLog = "webrtc";
constexpr guint kPollMs = 500;
using Weak = std::weak_ptr<TransportMonitor::Shared>;

// The structures in a GValueArray field (rtpsession hands its source statistics and a
// feedback's packets over as one); they live as long as the structure that holds `list`.
std::vector<const GstStructure*> structuresIn(const GValue* list) {
  std::vector<const GstStructure*> out;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (list != nullptr && G_VALUE_HOLDS(list, g_value_array_get_type())) {
    auto* array = static_cast<GValueArray*>(g_value_get_boxed(list));
    for (guint i = 0; array != nullptr && i < array->n_values; ++i) {
      const GValue* v = g_value_array_get_nth(array, i);
      if (GST_VALUE_HOLDS_STRUCTURE(v)) out.push_back(gst_value_get_structure(v));
    }
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  return out;
}

// rtpsession's thread: copies the summary and hops to the main loop.
void onTwccNotify(GObject* session, GParamSpec* /*pspec*/, gpointer data) {
  GstStructure* raw = nullptr;
  g_object_get(session, "twcc-stats", &raw, nullptr);
  const media::StructurePtr s(raw);
  if (s == nullptr) return;
  guint sent = 0;
  guint recv = 0;
  gdouble loss_pct = 0;
  const bool ok = gst_structure_get_uint(s.get(), "bitrate-sent", &sent) &&
                  gst_structure_get_uint(s.get(), "bitrate-recv", &recv) &&
                  gst_structure_get_double(s.get(), "packet-loss-pct", &loss_pct);
  if (!ok) return;
  congestion::Feedback fb;
  fb.at = congestion::Clock::now();
  fb.sent_kbps = sent / 1000.0;
  fb.recv_kbps = recv / 1000.0;
  fb.loss = loss_pct / 100.0;
  const core::TsanCallbackScope scope(data);
  Weak weak = *static_cast<Weak*>(data);
  if (auto shared = weak.lock()) {
    const std::lock_guard<std::mutex> hold(shared->lock);
    fb.queue_delay_ms = shared->queue_ms;
    fb.burst_kbps = shared->bursts.kbps();
  }
  media::postToMain([weak, fb] {
    if (auto shared = weak.lock()) shared->owner->onTwccStats(fb);
  });
}

// rtpsession's thread: the per-packet times of one TWCC feedback, which rtpsession sends
// upstream from its RTP sink as a custom event just before it updates `twcc-stats`.
GstPadProbeReturn onTwccPackets(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event == nullptr || GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM) {
    return GST_PAD_PROBE_OK;
  }
  const GstStructure* s = gst_event_get_structure(event);
  if (s == nullptr || !gst_structure_has_name(s, "RTPTWCCPackets")) return GST_PAD_PROBE_OK;
  std::vector<congestion::PacketTiming> packets;
  for (const GstStructure* p : structuresIn(gst_structure_get_value(s, "packets"))) {
    guint64 local = GST_CLOCK_TIME_NONE;
    guint64 remote = GST_CLOCK_TIME_NONE;
    gboolean lost = FALSE;
    guint size = 0;
    gst_structure_get_uint(p, "size", &size);
    gst_structure_get_uint64(p, "local-ts", &local);
    gst_structure_get_uint64(p, "remote-ts", &remote);
    gst_structure_get_boolean(p, "lost", &lost);
    if (!GST_CLOCK_TIME_IS_VALID(local)) continue;  // not one of ours we know the time of
    congestion::PacketTiming t;
    t.sent_ns = static_cast<int64_t>(local);
    t.bytes = size;
    if (!lost && GST_CLOCK_TIME_IS_VALID(remote)) t.arrived_ns = static_cast<int64_t>(remote);
    packets.push_back(t);
  }
  const core::TsanCallbackScope scope(data);
  if (auto shared = static_cast<Weak*>(data)->lock()) {
    const std::lock_guard<std::mutex> hold(shared->lock);
    if (auto q = shared->delays.onPackets(packets)) shared->queue_ms = q;
    shared->bursts.onPackets(packets);
  }
  return GST_PAD_PROBE_OK;
}

uint64_t uintField(const GstStructure* s, const char* name) {
  guint v = 0;
  return gst_structure_get_uint(s, name, &v) ? v : 0;
}

}  // namespace

TransportMonitor::TransportMonitor(GstElement* webrtcbin, FeedbackCallback on_feedback,
                                   RttCallback on_rtt, const RtxGuard* rtx)
    : webrtc_(media::refPtr(webrtcbin)),
      on_feedback_(std::move(on_feedback)),
      on_rtt_(std::move(on_rtt)),
      rtx_(rtx),
      shared_(std::make_shared<Shared>()) {
  shared_->owner = this;
  timer_ = g_timeout_add(kPollMs, &TransportMonitor::onPoll, this);
}

TransportMonitor::~TransportMonitor() {
  shared_.reset();  // a summary already posted finds nothing
  if (timer_ != 0) g_source_remove(timer_);
  if (rtp_sink_ != nullptr && probe_ != 0) gst_pad_remove_probe(rtp_sink_.get(), probe_);
  rtp_sink_.reset();
  if (session_ != nullptr) {
    g_signal_handlers_disconnect_matched(session_.get(), G_SIGNAL_MATCH_FUNC, 0, 0, nullptr,
                                         reinterpret_cast<gpointer>(&onTwccNotify), nullptr);
    session_.reset();
  }
  webrtc_.reset();
}

gboolean TransportMonitor::onPoll(gpointer data) {
  static_cast<TransportMonitor*>(data)->poll();
  return G_SOURCE_CONTINUE;
}

void TransportMonitor::attach() {
  const media::GstPtr<GstElement> rtpbin(gst_bin_get_by_name(GST_BIN(webrtc_.get()), "rtpbin"));
  if (rtpbin == nullptr) return;
  GObject* session = nullptr;
  g_signal_emit_by_name(rtpbin.get(), "get-session", 0u, &session);
  if (session == nullptr) return;
  session_.reset(session);
  // The per-packet feedback leaves the session upstream through rtpbin's RTP sink for session 0.
  rtp_sink_.reset(gst_element_get_static_pad(rtpbin.get(), "send_rtp_sink_0"));
  if (rtp_sink_ != nullptr) {
    probe_ =
        gst_pad_add_probe(rtp_sink_.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &onTwccPackets,
                          core::newCallbackData<Weak>(shared_), &core::deleteCallbackData<Weak>);
  } else {
    log::warn(kLog, "no RTP sink on rtpbin: the queue is estimated from rates only");
  }
  g_signal_connect_data(
      session_.get(), "notify::twcc-stats", G_CALLBACK(&onTwccNotify),
      core::newCallbackData<Weak>(shared_),
      [](gpointer data, GClosure*) { core::deleteCallbackData<Weak>(data); },
      static_cast<GConnectFlags>(0));
}

void TransportMonitor::onTwccStats(const congestion::Feedback& fb) {
  if (fb.queue_delay_ms && !measuring_) {
    measuring_ = true;
    log::info(kLog, "queueing delay measured per packet from the transport feedback");
  }
  stats_.feedback = fb;
  if (on_feedback_) on_feedback_(fb);
}

// Our video sender's source in the session statistics is the internal sender that sent the most
// packets (its RTX source sends fewer); it carries the feedback counts.
void TransportMonitor::poll() {
  if (rtx_ != nullptr) stats_.retransmissions = rtx_->counts();
  if (session_ == nullptr) attach();
  if (session_ == nullptr) return;
  GstStructure* raw_stats = nullptr;
  g_object_get(session_.get(), "stats", &raw_stats, nullptr);
  const media::StructurePtr stats(raw_stats);
  if (stats == nullptr) return;
  const GstStructure* best = nullptr;  // our video sender
  uint64_t best_packets = 0;
  std::vector<const GstStructure*> remote;  // the browser's sources: their receiver reports
  for (const GstStructure* src :
       structuresIn(gst_structure_get_value(stats.get(), "source-stats"))) {
    gboolean internal = FALSE;
    gboolean sender = FALSE;
    gst_structure_get_boolean(src, "internal", &internal);
    gst_structure_get_boolean(src, "is-sender", &sender);
    guint64 packets = 0;
    gst_structure_get_uint64(src, "packets-sent", &packets);
    if (!internal) {
      remote.push_back(src);
    } else if (sender && packets >= best_packets) {
      best = src;
      best_packets = packets;
    }
  }
  if (best == nullptr) return;
  stats_.packets_sent = best_packets;
  stats_.nacks = uintField(best, "recv-nack-count");
  stats_.plis = uintField(best, "recv-pli-count");
  stats_.firs = uintField(best, "recv-fir-count");
  // The browser's receiver report about our sender sits on the browser's source: the round trip
  // rtpsession computed from it (LSR/DLSR) and the loss fraction.
  const uint64_t ours = uintField(best, "ssrc");
  for (const GstStructure* src : remote) {
    gboolean have_rb = FALSE;
    gst_structure_get_boolean(src, "have-rb", &have_rb);
    guint rtt_raw = 0;
    if (!have_rb || uintField(src, "rb-ssrc") != ours ||
        !gst_structure_get_uint(src, "rb-round-trip", &rtt_raw) || rtt_raw == 0) {
      continue;
    }
    stats_.rtt_ms = rtt_raw * 1000.0 / 65536.0;  // NTP short format: 1/65536 s
    stats_.fraction_lost = uintField(src, "rb-fractionlost") / 256.0;
    if (rtt_raw != last_rtt_raw_) {
      last_rtt_raw_ = rtt_raw;
      if (on_rtt_) on_rtt_(*stats_.rtt_ms);
    }
    break;
  }
}

}  // namespace ds::webrtc
