#include "wsmedia/tap.hpp"

#include <gst/app/gstappsink.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/tsan.hpp"
#include "media/gst_util.hpp"
#include "media/main_thread.hpp"
#include "media/rtp_switch.hpp"

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

// The RTP encoding name of `codec` ("H264"...): codecName() in upper case.
std::string encodingName(Codec codec) {
  std::string name(codecName(codec));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

// `*buffer` (made writable when it changes) with its timestamps moved from `from` to the same
// running time in `to`.
void retimeBuffer(GstBuffer** buffer, const GstSegment& from, const GstSegment& to) {
  const GstClockTime pts = GST_BUFFER_PTS(*buffer);
  const GstClockTime dts = GST_BUFFER_DTS(*buffer);
  auto map = [&](GstClockTime t) {
    if (!GST_CLOCK_TIME_IS_VALID(t)) return t;
    const GstClockTime rt = gst_segment_to_running_time(&from, GST_FORMAT_TIME, t);
    return GST_CLOCK_TIME_IS_VALID(rt)
               ? gst_segment_position_from_running_time(&to, GST_FORMAT_TIME, rt)
               : t;
  };
  const GstClockTime new_pts = map(pts);
  const GstClockTime new_dts = map(dts);
  if (new_pts == pts && new_dts == dts) return;
  *buffer = gst_buffer_make_writable(*buffer);
  GST_BUFFER_PTS(*buffer) = new_pts;
  GST_BUFFER_DTS(*buffer) = new_dts;
}

// Streaming thread: copies the frame out and hops to the main loop.
GstFlowReturn onSample(GstAppSink* sink, gpointer data) {
  const core::TsanCallbackScope scope(data);
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
    // Running time, not the buffer's stream time: each encode's encoder starts its stream time
    // at its own first frame (GstVideoEncoder's minimum PTS, with a segment to match), so after
    // a move to another encode only the running time goes on from where it was.
    GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (const GstSegment* segment = gst_sample_get_segment(sample);
        segment != nullptr && segment->format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(pts)) {
      pts = gst_segment_to_running_time(segment, GST_FORMAT_TIME, pts);
    }
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
                             core::newCallbackData<std::weak_ptr<Tap>>(self_),
                             &core::deleteCallbackData<std::weak_ptr<Tap>>);
  media::GstPtr<GstPad> queue_src(gst_element_get_static_pad(queue, "src"));
  gst_pad_add_probe(
      queue_src.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &firewall, nullptr, nullptr);
  media::GstPtr<GstPad> queue_sink(gst_element_get_static_pad(queue, "sink"));
  GstPad* ghost = gst_ghost_pad_new("sink", queue_sink.get());
  gst_element_add_pad(bin_.get(), ghost);  // the bin takes the floating ghost pad
  if (const std::string name = encodingName(codec); media::switchableCodec(name)) {
    switch_ = std::make_unique<media::EncodeSwitch>(ghost, name);  // before the link
    core::tsanPublish(&retime_);
    gst_pad_add_probe(
        ghost,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        &Tap::retimeProbe, &retime_, nullptr);
  }

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

// The linked tee's streaming thread, after the EncodeSwitch's probe. Each encode's encoder starts
// its stream time at its own first frame (GstVideoEncoder's minimum PTS, with a segment to match)
// and the depayloader keeps the first SEGMENT it got, so after a move the frames' timestamps are
// put on that first segment at the same running time, and later SEGMENTs are dropped.
GstPadProbeReturn Tap::retimeProbe(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  auto* r = static_cast<Retime*>(data);
  const core::TsanCallbackScope scope(r);
  const std::lock_guard<std::mutex> hold(r->lock);
  if ((info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_SEGMENT) return GST_PAD_PROBE_OK;
    gst_event_copy_segment(event, &r->current);
    if (!r->have_first) {
      r->first = r->current;
      r->have_first = true;
      return GST_PAD_PROBE_OK;
    }
    r->moved = !gst_segment_is_equal(&r->first, &r->current);
    return GST_PAD_PROBE_DROP;
  }
  if (!r->moved || r->current.format != GST_FORMAT_TIME || r->first.format != GST_FORMAT_TIME) {
    return GST_PAD_PROBE_OK;
  }
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    retimeBuffer(&buffer, r->current, r->first);
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    GstBufferList* list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    gst_buffer_list_foreach(
        list,
        +[](GstBuffer** buffer, guint /*idx*/, gpointer p) -> gboolean {
          auto* rr = static_cast<Retime*>(p);
          retimeBuffer(buffer, rr->current, rr->first);
          return TRUE;
        },
        r);
    GST_PAD_PROBE_INFO_DATA(info) = list;
  }
  return GST_PAD_PROBE_OK;
}

Status Tap::switchTee(GstElement* tee) {
  if (!switch_ || tee_pad_ == nullptr || bin_ == nullptr) {
    return fail("this client's stream cannot be moved to another encode");
  }
  if (tee == nullptr) return fail("no encode to move the client to");
  if (tee == tee_.get()) return {};
  auto moved = switch_->move(tee_.get(), tee_pad_, tee);
  tee_ = media::refPtr(tee);  // tee_pad_ is null or this tee's now
  if (!moved) {
    // On neither encode: this client gets nothing more. The bus error ends it (later, on the
    // main loop), as any failure of its branch does.
    GST_ELEMENT_ERROR(bin_.get(), STREAM, FAILED, ("%s", moved.error().message.c_str()), (nullptr));
    return moved;
  }
  log::info(kLog, "branch " + name_ + ": moved to " + GST_ELEMENT_NAME(tee));
  return {};
}

void Tap::detach() {
  if (tee_pad_ != nullptr) {
    gst_element_release_request_pad(tee_.get(), tee_pad_.get());
    tee_pad_.reset();
  }
  switch_.reset();  // nothing pushes through the bin's sink pad any more
  if (bin_ != nullptr) {
    core::tsanJoin(&retime_);
    gst_element_set_state(bin_.get(), GST_STATE_NULL);
    if (pipeline_ != nullptr) gst_bin_remove(GST_BIN(pipeline_.get()), bin_.get());
    bin_.reset();
  }
  tee_.reset();
  pipeline_.reset();
}

Tap::~Tap() { detach(); }

}  // namespace ds::wsmedia
