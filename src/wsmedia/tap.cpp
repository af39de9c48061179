#include "wsmedia/tap.hpp"

#include <gst/app/gstappsink.h>

#include <vector>

#include "core/log.hpp"
#include "media/gst_util.hpp"
#include "media/main_thread.hpp"

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
  media::GstPtr<GstPad> peer(gst_pad_get_peer(pad));
  if (peer == nullptr) return GST_PAD_PROBE_DROP;
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    (void)gst_pad_chain(peer.get(), gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info)));
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    (void)gst_pad_chain_list(peer.get(), gst_buffer_list_ref(GST_PAD_PROBE_INFO_BUFFER_LIST(info)));
  }
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
  bin_ = media::sinkPtr(gst_bin_new(name_.c_str()));
  std::vector<media::ChainLink> links;
  // A slow client drops its own packets instead of blocking the tee for everyone.
  links.emplace_back(media::ElementSpec{"queue",
                                        "",
                                        {{"leaky", "downstream"},
                                         {"max-size-buffers", "512"},
                                         {"max-size-bytes", "0"},
                                         {"max-size-time", "0"}}},
                     "queue");
  for (auto& spec : chainFor(codec)) links.emplace_back(std::move(spec));
  if (const char* caps = capsFor(codec)) links.push_back(media::capsLink(caps));
  links.emplace_back(media::ElementSpec{"appsink",
                                        "",
                                        {{"sync", "false"},
                                         {"async", "false"},
                                         {"max-buffers", "4"},
                                         {"drop", "true"},
                                         {"enable-last-sample", "false"}}},
                     "sink");
  auto chain = media::buildChain(GST_BIN(bin_.get()), links);
  if (!chain) return Unexpected<Error>{chain.error()};
  GstElement* queue = chain->get("queue");

  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = &onSample;
  gst_app_sink_set_callbacks(GST_APP_SINK(chain->get("sink")), &callbacks,
                             new std::weak_ptr<Tap>(self_),
                             [](gpointer d) { delete static_cast<std::weak_ptr<Tap>*>(d); });
  media::GstPtr<GstPad> queue_src(gst_element_get_static_pad(queue, "src"));
  gst_pad_add_probe(
      queue_src.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &firewall, nullptr, nullptr);
  media::GstPtr<GstPad> queue_sink(gst_element_get_static_pad(queue, "sink"));
  GstPad* ghost = gst_ghost_pad_new("sink", queue_sink.get());
  gst_element_add_pad(bin_.get(), ghost);  // the bin takes the floating ghost pad

  pipeline_ = media::refPtr(pipeline);
  tee_ = media::refPtr(tee);
  gst_bin_add(GST_BIN(pipeline_.get()), bin_.get());  // the pipeline's own reference; we keep ours
  // Running before linked: a buffer reaching a stopped element would return FLUSHING to the tee.
  gst_element_sync_state_with_parent(bin_.get());
  tee_pad_.reset(gst_element_request_pad_simple(tee_.get(), "src_%u"));
  if (tee_pad_ == nullptr || gst_pad_link(tee_pad_.get(), ghost) != GST_PAD_LINK_OK) {
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
    gst_element_release_request_pad(tee_.get(), tee_pad_.get());
    tee_pad_.reset();
  }
  if (bin_ != nullptr) {
    gst_element_set_state(bin_.get(), GST_STATE_NULL);
    if (pipeline_ != nullptr) gst_bin_remove(GST_BIN(pipeline_.get()), bin_.get());
    bin_.reset();
  }
  tee_.reset();
  pipeline_.reset();
}

Tap::~Tap() { detach(); }

}  // namespace ds::wsmedia
