#include "media/encode.hpp"

#include <gst/rtp/rtp.h>

#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "core/tsan.hpp"
#include "media/gst_util.hpp"

namespace ds::media {
namespace {

constexpr const char* kLog = "media";

// Writes playout-delay min=0,max=0 (3 bytes of zeros: 12-bit min, 12-bit max) into an RTP buffer.
void addPlayoutDelay(GstBuffer* buffer) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp)) return;
  const guint8 zero[3] = {0, 0, 0};
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, kPlayoutDelayExtId, zero, sizeof zero);
  gst_rtp_buffer_unmap(&rtp);
}

GstPadProbeReturn countFrames(GstPad* /*pad*/, GstPadProbeInfo* /*info*/, gpointer counter) {
  const core::TsanCallbackScope scope(counter);
  static_cast<std::atomic<uint64_t>*>(counter)->fetch_add(1);
  return GST_PAD_PROBE_OK;
}

// True when `obj` is one of `elements` or inside one of them.
bool isOrIsInside(GstObject* obj, const std::vector<GstElement*>& elements) {
  for (GstElement* e : elements) {
    if (obj == GST_OBJECT(e) || gst_object_has_as_ancestor(obj, GST_OBJECT(e))) return true;
  }
  return false;
}

ElementSpec prefixed(ElementSpec spec, const std::string& prefix) {
  if (!spec.name.empty()) spec.name = prefix + spec.name;
  return spec;
}

}  // namespace

GstPadProbeReturn playoutDelayProbe(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer /*data*/) {
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
    addPlayoutDelay(buffer);
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    GstBufferList* list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    const guint n = gst_buffer_list_length(list);
    for (guint i = 0; i < n; ++i) addPlayoutDelay(gst_buffer_list_get_writable(list, i));
    GST_PAD_PROBE_INFO_DATA(info) = list;
  }
  return GST_PAD_PROBE_OK;
}

Encode::Encode(GstElement* pipeline, GstElement* raw_tee, EncoderProfile profile,
               EncodeOptions options)
    : pipeline_(pipeline),
      raw_tee_(raw_tee),
      profile_(std::move(profile)),
      options_(std::move(options)),
      keyframes_(options_.keyframe_interval, options_.on_keyframe_approved),
      nominal_fps_(profile_.fixed_caps_rate ? std::max(0, options_.nominal_fps) : 0),
      fps_(nominal_fps_) {}

Result<std::unique_ptr<Encode>> Encode::add(GstElement* pipeline, GstElement* raw_tee,
                                            EncoderProfile profile, EncodeOptions options,
                                            bool live) {
  std::unique_ptr<Encode> e(new Encode(pipeline, raw_tee, std::move(profile), std::move(options)));
  if (auto st = e->build(live); !st) return Unexpected<Error>{st.error()};
  return e;
}

Status Encode::build(bool live) {
  const std::string& px = options_.name_prefix;
  std::vector<ChainLink> links;
  // A slow encoder must never pile up old frames: keep only the newest one.
  links.emplace_back(ElementSpec{"queue",
                                 px + "capture-queue",
                                 {{"leaky", "downstream"},
                                  {"max-size-buffers", "1"},
                                  {"max-size-bytes", "0"},
                                  {"max-size-time", "0"}}});
  if (options_.own_size_and_rate) {
    for (auto& link : PictureScale::links(px)) links.push_back(std::move(link));
  }
  for (const auto& spec : profile_.pre) links.emplace_back(prefixed(spec, px), "pre");
  links.push_back(capsLink(profile_.pre_caps, px + "encoder-caps"));
  ElementSpec enc = profile_.encoder_element;
  if (enc.name.empty() && !px.empty()) enc.name = px + "encoder";
  if (enc.name.empty()) {
    enc.name = px.empty() ? "" : px + "encoder";
  } else {
    enc = prefixed(enc, px);
  }
  links.emplace_back(enc, "encoder");
  links.push_back(capsLink(profile_.post_caps, px + "encoded-caps"));
  links.emplace_back(prefixed(profile_.payloader, px), "payloader");
  links.push_back(capsLink(profile_.rtp_caps, px + "rtp-caps"));
  links.emplace_back(ElementSpec{"tee", px + "fanout-tee", {{"allow-not-linked", "true"}}}, "tee");
  auto chain = buildChain(GST_BIN(pipeline_), links);
  if (!chain) return Unexpected<Error>{chain.error()};
  elements_ = chain->elements();
  encoder_chain_ = chain->all("pre");
  encoder_ = chain->get("encoder");
  encoder_chain_.push_back(encoder_);
  tee_ = chain->get("tee");
  GstElement* payloader = chain->get("payloader");
  if (options_.ssrc != 0 &&
      g_object_class_find_property(G_OBJECT_GET_CLASS(payloader), "ssrc") != nullptr) {
    g_object_set(payloader, "ssrc", static_cast<guint>(options_.ssrc), nullptr);
  }
  if (options_.timestamp_offset >= 0 &&
      g_object_class_find_property(G_OBJECT_GET_CLASS(payloader), "timestamp-offset") != nullptr) {
    g_object_set(payloader, "timestamp-offset", static_cast<guint>(options_.timestamp_offset),
                 nullptr);
  }
  if (options_.own_size_and_rate) {
    scale_ = std::make_unique<PictureScale>(chain->get("scaler"), chain->get("scale-caps"));
    GstPtr<GstPad> queue_src(gst_element_get_static_pad(chain->first(), "src"));
    core::tsanPublish(&rate_);
    gst_pad_add_probe(queue_src.get(), GST_PAD_PROBE_TYPE_BUFFER, rateProbe, &rate_, nullptr);
  }
  if (nominal_fps_ > 0) {
    GstPtr<GstPad> queue_sink(gst_element_get_static_pad(chain->first(), "sink"));
    gst_pad_add_probe(queue_sink.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, fixCapsRate,
                      GINT_TO_POINTER(nominal_fps_), nullptr);
  }
  if (options_.playout_delay) {
    GstPtr<GstPad> pay_src(gst_element_get_static_pad(payloader, "src"));
    gst_pad_add_probe(
        pay_src.get(),
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        playoutDelayProbe, nullptr, nullptr);
  }
  GstPtr<GstPad> enc_src(gst_element_get_static_pad(encoder_, "src"));
  core::tsanPublish(&encoded_frames_);
  gst_pad_add_probe(enc_src.get(), GST_PAD_PROBE_TYPE_BUFFER, countFrames, &encoded_frames_,
                    nullptr);
  // A PLI/FIR reaches the encoder as an upstream force-key-unit event, within the overall limit.
  keyframes_.attach(encoder_);
  if (live) {
    for (auto it = elements_.rbegin(); it != elements_.rend(); ++it) {
      if (!gst_element_sync_state_with_parent(*it)) {
        return fail(std::string("cannot start ") + GST_ELEMENT_NAME(*it));
      }
    }
  }
  raw_pad_.reset(gst_element_request_pad_simple(raw_tee_, "src_%u"));
  GstPtr<GstPad> sink(gst_element_get_static_pad(chain->first(), "sink"));
  const bool linked = gst_pad_link(raw_pad_.get(), sink.get()) == GST_PAD_LINK_OK;
  if (!linked) return fail("cannot link the " + profile_.codec + " encode to the capture");
  return {};
}

Encode::~Encode() {
  if (raw_pad_ != nullptr) {
    gst_element_release_request_pad(raw_tee_, raw_pad_.get());
    raw_pad_.reset();
  }
  // Stopped upstream first; each set_state waits for that element's streaming thread.
  for (GstElement* e : elements_) gst_element_set_state(e, GST_STATE_NULL);
  core::tsanJoin(&encoded_frames_);  // countFrames ran for the last time
  if (options_.own_size_and_rate) core::tsanJoin(&rate_);
  for (GstElement* e : elements_) gst_bin_remove(GST_BIN(pipeline_), e);
  if (!options_.name_prefix.empty()) log::info(kLog, profile_.codec + " encode stopped");
}

bool Encode::isEncoderChain(GstObject* obj) const { return isOrIsInside(obj, encoder_chain_); }

bool Encode::owns(GstObject* obj) const { return isOrIsInside(obj, elements_); }

GstPadProbeReturn Encode::fixCapsRate(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer fps) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  CapsPtr fixed(gst_caps_copy(caps));
  gst_caps_set_simple(fixed.get(), "framerate", GST_TYPE_FRACTION, GPOINTER_TO_INT(fps), 1,
                      nullptr);
  GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(fixed.get());
  gst_event_unref(event);
  return GST_PAD_PROBE_OK;
}

void Encode::setBitrate(const EncodeParams& params) {
  base_kbps_ = fecAdjustedKbps(params);
  fps_ = params.framerate;
  applyBitrate();
}

void Encode::applyBitrate() {
  int64_t kbps = base_kbps_;
  if (countsCapsRate()) kbps = kbps * nominal_fps_ / std::max(1, fps_);
  const int64_t value = std::max<int64_t>(1, kbps) * profile_.bitrate_multiplier;
  gst_util_set_object_arg(G_OBJECT(encoder_), profile_.bitrate_property.c_str(),
                          std::to_string(value).c_str());
}

void Encode::setSizeAndRate(int scale_percent, int max_fps) {
  if (scale_) scale_->set(scale_percent);
  rate_.interval_ns.store(max_fps > 0 ? GST_SECOND / max_fps : 0);
}

// Keeps at most one frame per interval: a frame passes when its timestamp reaches the due time
// (less a quarter interval of slack for capture jitter), and the due time then moves on by one
// interval, or to an interval after this frame when frames had stopped (a static screen).
GstPadProbeReturn Encode::rateProbe(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  auto* rate = static_cast<RateLimit*>(data);
  const core::TsanCallbackScope scope(rate);
  const int64_t interval = rate->interval_ns.load();
  const GstClockTime pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
  if (interval <= 0 || !GST_CLOCK_TIME_IS_VALID(pts)) return GST_PAD_PROBE_OK;
  const auto t = static_cast<int64_t>(pts);
  if (rate->due_ns >= 0 && t < rate->due_ns - interval / 4) return GST_PAD_PROBE_DROP;
  rate->due_ns =
      (rate->due_ns < 0 || t - rate->due_ns > interval) ? t + interval : rate->due_ns + interval;
  return GST_PAD_PROBE_OK;
}

void Encode::setFramerate(const EncodeParams& params) {
  EncodeParams caps_rate = params;
  if (countsCapsRate()) caps_rate.framerate = nominal_fps_;
  const auto vbv = std::to_string(softwareVbvMs(caps_rate));
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(encoder_), "vbv-buf-capacity") != nullptr) {
    gst_util_set_object_arg(G_OBJECT(encoder_), "vbv-buf-capacity", vbv.c_str());
  }
  if (profile_.rate_from_timestamps) {
    // vp8enc's and vp9enc's buffer (in ms, as x264's VBV) was built for the frame time the
    // encode started with; it follows the real one (libvpx applies it to the running encoder).
    for (const char* name : {"buffer-size", "buffer-initial-size", "buffer-optimal-size"}) {
      gst_util_set_object_arg(G_OBJECT(encoder_), name, vbv.c_str());
    }
  }
  if (nominal_fps_ > 0 && params.framerate != fps_) {
    // Before any setBitrate the encoder runs at the bitrate it was built with, the stream's.
    if (base_kbps_ == 0) base_kbps_ = fecAdjustedKbps(params);
    fps_ = params.framerate;
    applyBitrate();
  }
}

}  // namespace ds::media
