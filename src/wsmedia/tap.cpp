#include "wsmedia/tap.hpp"

#include <gst/app/gstappsink.h>

#include <vector>

#include "core/log.hpp"
#include "media/main_thread.hpp"
#include "media/video_pipeline.hpp"

namespace ds::wsmedia {
namespace {

constexpr const char* kLog = "wsmedia";

// The elements between the queue and the appsink for `codec`.
std::vector<media::ElementSpec> chainFor(Codec codec) {
  using Spec = media::ElementSpec;
  switch (codec) {
    case Codec::kH264:
      return {Spec{"rtph264depay", "", {}}, Spec{"h264parse", "", {{"config-interval", "-1"}}}};
    case Codec::kH265:
      return {Spec{"rtph265depay", "", {}}, Spec{"h265parse", "", {{"config-interval", "-1"}}}};
    case Codec::kVp8:
      return {Spec{"rtpvp8depay", "", {}}};
    case Codec::kVp9:
      return {Spec{"rtpvp9depay", "", {}}};
    case Codec::kAv1:
      return {Spec{"rtpav1depay", "", {}}};
    case Codec::kOpus:
      return {Spec{"rtpopusdepay", "", {}}};
  }
  return {};
}

const char* capsFor(Codec codec) {
  switch (codec) {
    case Codec::kH264:
      return "video/x-h264,stream-format=byte-stream,alignment=au";
    case Codec::kH265:
      return "video/x-h265,stream-format=byte-stream,alignment=au";
    default:
      return nullptr;
  }
}

// Streaming thread: copies the frame out and hops to the main loop.
GstFlowReturn onSample(GstAppSink* sink, gpointer data) {
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (sample == nullptr) return GST_FLOW_OK;
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  TapFrame frame;
  if (buffer != nullptr) {
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      frame.data.assign(reinterpret_cast<const char*>(map.data), map.size);
      gst_buffer_unmap(buffer, &map);
    }
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    frame.timestamp_us = GST_CLOCK_TIME_IS_VALID(pts) ? pts / 1000 : 0;
    frame.keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  }
  if (GstCaps* caps = gst_sample_get_caps(sample); caps != nullptr && !gst_caps_is_empty(caps)) {
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    gst_structure_get_int(s, "width", &frame.width);
    gst_structure_get_int(s, "height", &frame.height);
  }
  gst_sample_unref(sample);
  if (frame.data.empty()) return GST_FLOW_OK;
  auto weak = *static_cast<std::weak_ptr<Tap>*>(data);
  media::postToMain([weak, frame = std::move(frame)]() mutable {
    if (auto tap = weak.lock()) {
      try {
        tap->deliver(std::move(frame));
      } catch (const std::exception& e) {
        log::error(kLog, std::string("frame handler failed: ") + e.what());
      }
    }
  });
  return GST_FLOW_OK;
}

// Queue thread: pushes the buffer on itself and always tells the queue OK, so a failure in this
// branch never travels through the tee to the shared encode (as webrtc::PeerBranch does).
GstPadProbeReturn firewall(GstPad* pad, GstPadProbeInfo* info, gpointer /*data*/) {
  GstPad* peer = gst_pad_get_peer(pad);
  if (peer == nullptr) return GST_PAD_PROBE_DROP;
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    (void)gst_pad_chain(peer, gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info)));
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    (void)gst_pad_chain_list(peer, gst_buffer_list_ref(GST_PAD_PROBE_INFO_BUFFER_LIST(info)));
  }
  gst_object_unref(peer);
  return GST_PAD_PROBE_DROP;
}

}  // namespace

Result<std::shared_ptr<Tap>> Tap::create(GstElement* pipeline, GstElement* tee,
                                         const std::string& name, Codec codec, OnFrame on_frame) {
  if (pipeline == nullptr || tee == nullptr) return fail("no stream to attach to");
  std::shared_ptr<Tap> tap(new Tap(name, std::move(on_frame)));
  tap->self_ = tap;
  if (auto st = tap->build(pipeline, tee, codec); !st) return Unexpected<Error>{st.error()};
  return tap;
}

Status Tap::build(GstElement* pipeline, GstElement* tee, Codec codec) {
  bin_ = gst_bin_new(name_.c_str());
  gst_object_ref_sink(bin_);
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  GstElement* sink = gst_element_factory_make("appsink", nullptr);
  if (queue == nullptr || sink == nullptr) return fail("appsink (gst-plugins-base) is missing");
  // A slow client drops its own packets instead of blocking the tee for everyone.
  g_object_set(queue, "leaky", 2, "max-size-buffers", 512u, "max-size-bytes", 0u, "max-size-time",
               static_cast<guint64>(0), nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, "max-buffers", 4u, "drop", TRUE,
               "enable-last-sample", FALSE, nullptr);
  gst_bin_add_many(GST_BIN(bin_), queue, sink, nullptr);
  GstElement* last = queue;
  std::vector<media::ElementSpec> chain = chainFor(codec);
  for (const auto& spec : chain) {
    auto element = media::makeElement(spec);
    if (!element) return Unexpected<Error>{element.error()};
    gst_bin_add(GST_BIN(bin_), *element);
    if (!gst_element_link(last, *element)) return fail("cannot link " + spec.factory);
    last = *element;
  }
  if (const char* caps = capsFor(codec)) {
    auto filter = media::makeCaps(caps, nullptr);
    if (!filter) return Unexpected<Error>{filter.error()};
    gst_bin_add(GST_BIN(bin_), *filter);
    if (!gst_element_link(last, *filter)) return fail("cannot link the parser's caps");
    last = *filter;
  }
  if (!gst_element_link(last, sink)) return fail("cannot link the appsink");

  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = &onSample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, new std::weak_ptr<Tap>(self_),
                             [](gpointer d) { delete static_cast<std::weak_ptr<Tap>*>(d); });
  GstPad* queue_src = gst_element_get_static_pad(queue, "src");
  gst_pad_add_probe(
      queue_src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &firewall, nullptr, nullptr);
  gst_object_unref(queue_src);
  GstPad* queue_sink = gst_element_get_static_pad(queue, "sink");
  GstPad* ghost = gst_ghost_pad_new("sink", queue_sink);
  gst_object_unref(queue_sink);
  gst_element_add_pad(bin_, ghost);

  pipeline_ = GST_ELEMENT(gst_object_ref(pipeline));
  tee_ = GST_ELEMENT(gst_object_ref(tee));
  gst_bin_add(GST_BIN(pipeline_), bin_);
  // Running before linked: a buffer reaching a stopped element would return FLUSHING to the tee.
  gst_element_sync_state_with_parent(bin_);
  tee_pad_ = gst_element_request_pad_simple(tee_, "src_%u");
  if (tee_pad_ == nullptr || gst_pad_link(tee_pad_, ghost) != GST_PAD_LINK_OK) {
    return fail("cannot link the WebSocket branch to the tee");
  }
  log::info(kLog, "branch " + name_ + ": " + std::string(codecName(codec)) + " tap started");
  return {};
}

void Tap::deliver(TapFrame frame) {
  if (on_frame_) on_frame_(std::move(frame));
}

void Tap::detach() {
  if (tee_pad_ != nullptr) {
    gst_element_release_request_pad(tee_, tee_pad_);
    gst_object_unref(tee_pad_);
    tee_pad_ = nullptr;
  }
  if (bin_ != nullptr) {
    gst_element_set_state(bin_, GST_STATE_NULL);
    if (pipeline_ != nullptr) gst_bin_remove(GST_BIN(pipeline_), bin_);
    gst_object_unref(bin_);
    bin_ = nullptr;
  }
  if (tee_ != nullptr) gst_object_unref(tee_);
  if (pipeline_ != nullptr) gst_object_unref(pipeline_);
  tee_ = pipeline_ = nullptr;
}

Tap::~Tap() { detach(); }

}  // namespace ds::wsmedia
