#include "webrtc/rtx_guard.hpp"

#include <mutex>

#include "core/log.hpp"
#include "core/tsan.hpp"

namespace ds::webrtc {

struct RtxGuard::State {
  explicit State(congestion::RtxBudgetSettings settings) : budget(settings) {}
  // The sink pad's streaming thread and rtpsession's RTCP thread.
  mutable std::mutex lock;
  congestion::RtxBudget budget;
};

namespace {

using StatePtr = std::shared_ptr<RtxGuard::State>;

void freeState(gpointer data, GClosure* /*closure*/) { core::deleteCallbackData<StatePtr>(data); }
void freeStateNotify(gpointer data) { core::deleteCallbackData<StatePtr>(data); }

// Streaming thread: media on its way to the browser earns retransmissions.
GstPadProbeReturn onMedia(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  const core::TsanCallbackScope scope(data);
  auto& state = **static_cast<StatePtr*>(data);
  const std::lock_guard lock(state.lock);
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    if (GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info))
      state.budget.onMediaPacket(gst_buffer_get_size(b));
  } else if (GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info)) {
    for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i) {
      state.budget.onMediaPacket(gst_buffer_get_size(gst_buffer_list_get(list, i)));
    }
  }
  return GST_PAD_PROBE_OK;
}

// rtpsession's thread: one request per packet a NACK names.
GstPadProbeReturn onRequest(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event == nullptr || !gst_event_has_name(event, "GstRTPRetransmissionRequest")) {
    return GST_PAD_PROBE_OK;
  }
  const core::TsanCallbackScope scope(data);
  auto& state = **static_cast<StatePtr*>(data);
  const std::lock_guard lock(state.lock);
  return state.budget.allow() ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

bool isRtxSender(GstElement* element) {
  GstElementFactory* factory = gst_element_get_factory(element);
  return factory != nullptr &&
         g_strcmp0(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), "rtprtxsend") == 0;
}

// The thread that adds the element (webrtcbin's, while it applies a description).
void onElementAdded(GstBin* /*bin*/, GstBin* /*sub_bin*/, GstElement* element, gpointer data) {
  if (!isRtxSender(element)) return;
  const core::TsanCallbackScope scope(data);
  const StatePtr& state = *static_cast<StatePtr*>(data);
  const media::GstPtr<GstPad> sink(gst_element_get_static_pad(element, "sink"));
  const media::GstPtr<GstPad> src(gst_element_get_static_pad(element, "src"));
  if (sink == nullptr || src == nullptr) {
    log::warn("webrtc", "rtprtxsend without its pads: retransmissions are not budgeted");
    return;
  }
  gst_pad_add_probe(
      sink.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      onMedia, core::newCallbackData<StatePtr>(state), freeStateNotify);
  gst_pad_add_probe(src.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, onRequest,
                    core::newCallbackData<StatePtr>(state), freeStateNotify);
}

}  // namespace

RtxGuard::RtxGuard(GstElement* webrtcbin, congestion::RtxBudgetSettings settings)
    : state_(std::make_shared<State>(settings)), webrtc_(media::refPtr(webrtcbin)) {
  handler_ = g_signal_connect_data(webrtc_.get(), "deep-element-added", G_CALLBACK(onElementAdded),
                                   core::newCallbackData<StatePtr>(state_), freeState,
                                   static_cast<GConnectFlags>(0));
}

RtxGuard::~RtxGuard() {
  if (handler_ != 0) g_signal_handler_disconnect(webrtc_.get(), handler_);
}

RtxCounts RtxGuard::counts() const {
  const std::lock_guard lock(state_->lock);
  return {state_->budget.allowed(), state_->budget.refused()};
}

}  // namespace ds::webrtc
