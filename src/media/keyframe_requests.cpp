#include "media/keyframe_requests.hpp"

#include <gst/video/video.h>

#include <algorithm>
#include <utility>

#include "media/gst_util.hpp"
#include "media/main_thread.hpp"

namespace ds::media {
namespace {
// Marks the deferred keyframe request we send ourselves, which the limit already counted.
constexpr const char* kApprovedField = "deskstream-approved";
}  // namespace

KeyframeRequests::KeyframeRequests(std::chrono::milliseconds overall,
                                   std::function<void()> on_approved)
    : limiter_(overall, /*coalesce=*/true), on_approved_(std::move(on_approved)) {}

KeyframeRequests::~KeyframeRequests() {
  token_.reset();  // queued tasks now find nothing
  if (timer_ != 0) g_source_remove(timer_);
}

void KeyframeRequests::attach(GstElement* encoder) {
  encoder_ = encoder;
  const GstPtr<GstPad> src(gst_element_get_static_pad(encoder, "src"));
  gst_pad_add_probe(src.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &KeyframeRequests::probe, this,
                    nullptr);
}

void KeyframeRequests::request() { send(/*approved=*/false); }

GstPadProbeReturn KeyframeRequests::probe(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event == nullptr || !gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_OK;
  auto* self = static_cast<KeyframeRequests*>(data);
  const GstStructure* s = gst_event_get_structure(event);
  bool approved = s != nullptr && gst_structure_has_field(s, kApprovedField);
  if (!approved) {
    switch (self->limiter_.request(KeyframeLimiter::Clock::now())) {
      case KeyframeLimiter::Decision::kForward:
        approved = true;
        break;
      case KeyframeLimiter::Decision::kDefer:
        self->scheduleDeferred();
        break;
      case KeyframeLimiter::Decision::kCoalesced:
        break;
    }
  }
  if (!approved) return GST_PAD_PROBE_DROP;
  if (self->on_approved_) self->on_approved_();
  return GST_PAD_PROBE_OK;
}

void KeyframeRequests::scheduleDeferred() {
  // Streaming thread (or main): hop to the main loop, where the timer lives.
  postToMain([weak = std::weak_ptr<Token>(token_)] {
    auto token = weak.lock();
    if (!token) return;
    KeyframeRequests* self = token->self;
    if (self->timer_ != 0) return;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        self->limiter_.deferUntil() - KeyframeLimiter::Clock::now());
    self->timer_ = g_timeout_add(
        static_cast<guint>(std::max<int64_t>(0, left.count())),
        [](gpointer data) -> gboolean {
          auto* p = static_cast<KeyframeRequests*>(data);
          p->timer_ = 0;
          p->limiter_.fireDeferred(KeyframeLimiter::Clock::now());
          p->send(/*approved=*/true);
          return G_SOURCE_REMOVE;
        },
        self);
  });
}

void KeyframeRequests::send(bool approved) {
  if (encoder_ == nullptr) return;
  GstEvent* event = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0);
  if (approved) {
    gst_structure_set(gst_event_writable_structure(event), kApprovedField, G_TYPE_BOOLEAN, TRUE,
                      nullptr);
  }
  const GstPtr<GstPad> src(gst_element_get_static_pad(encoder_, "src"));
  gst_pad_send_event(src.get(), event);  // takes the event
}

}  // namespace ds::media
