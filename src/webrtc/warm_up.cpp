#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <chrono>
#include <string>

#include "core/log.hpp"
#include "core/tsan.hpp"
#include "media/gst_util.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {
namespace {

// One throwaway offer: a sendonly H.264 transceiver and a data channel, as a viewer's branch has.
// The first offer of a process otherwise pays for loading and initialising the RTP, FEC, SCTP and
// ICE code (about 270 ms of the first viewer's time to first frame on a 2-core machine).
void offerOnce() {
  const media::GstPtr<GstElement> pipeline = media::sinkPtr(gst_pipeline_new("warm-up"));
  GstElement* bin = gst_element_factory_make("webrtcbin", nullptr);
  if (bin == nullptr) return;
  gst_bin_add(GST_BIN(pipeline.get()), bin);  // takes the floating reference; `bin` is borrowed
  gst_util_set_object_arg(G_OBJECT(bin), "bundle-policy", "max-bundle");
  if (gst_element_set_state(pipeline.get(), GST_STATE_READY) != GST_STATE_CHANGE_FAILURE) {
    const media::CapsPtr caps(gst_caps_from_string(
        "application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000"));
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_signal_emit_by_name(bin, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                          caps.get(), &trans);
    const media::GstPtr<GstWebRTCRTPTransceiver> trans_ref(trans);  // ours; not needed
    GObject* channel = nullptr;
    g_signal_emit_by_name(bin, "create-data-channel", "warm-up", nullptr, &channel);
    const media::GObjectPtr<GObject> channel_ref(channel);  // ours; not needed
    // Answered on webrtcbin's thread (core/tsan.hpp).
    auto* done = core::newCallbackData<std::atomic<bool>>(false);
    GstPromise* promise = gst_promise_new_with_change_func(
        [](GstPromise*, gpointer flag) {
          const core::TsanCallbackScope scope(flag);
          static_cast<std::atomic<bool>*>(flag)->store(true);
        },
        done, &core::deleteCallbackData<std::atomic<bool>>);
    g_signal_emit_by_name(bin, "create-offer", nullptr, promise);
    // Bounded: a webrtcbin that never answers must not hold up startup.
    const gint64 until = g_get_monotonic_time() + 2 * G_TIME_SPAN_SECOND;
    while (!done->load() && g_get_monotonic_time() < until) g_usleep(1000);
    // Our last read of the flag comes before our reference goes: the promise's destroy notify,
    // which deletes the flag, may run on webrtcbin's thread once that holds the last one.
    core::tsanPublish(done);
    gst_promise_unref(promise);
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
}

}  // namespace

void warmUp() {
  const auto start = std::chrono::steady_clock::now();
  // Loads webrtcbin and the plugins it pulls in (nice, dtls, srtp, rtpmanager).
  media::sinkPtr(gst_element_factory_make("webrtcbin", nullptr));  // made and dropped
  // The first DTLS element of a process generates the RSA key and certificate that every later
  // one shares (gstdtlsdec.c: one generated agent per process).
  if (const auto dec = media::sinkPtr(gst_element_factory_make("dtlsdec", nullptr))) {
    gchar* pem = nullptr;
    g_object_get(dec.get(), "pem", &pem, nullptr);
    const media::GCharPtr pem_ref(pem);  // only its making counts
  }
  offerOnce();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  log::debug("webrtc",
             "WebRTC plugins and DTLS certificate ready in " + std::to_string(ms) + " ms");
}

}  // namespace ds::webrtc
