#include "media/encode.hpp"

#include <gst/rtp/rtp.h>

#include <utility>

#include "core/log.hpp"
#include "media/video_pipeline.hpp"

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
  static_cast<std::atomic<uint64_t>*>(counter)->fetch_add(1);
  return GST_PAD_PROBE_OK;
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
      keyframes_(options_.keyframe_interval, options_.on_keyframe_approved) {}

Result<std::unique_ptr<Encode>> Encode::add(GstElement* pipeline, GstElement* raw_tee,
                                            EncoderProfile profile, EncodeOptions options,
                                            bool live) {
  std::unique_ptr<Encode> e(new Encode(pipeline, raw_tee, std::move(profile), std::move(options)));
  if (auto st = e->build(live); !st) return Unexpected<Error>{st.error()};
  return e;
}

Status Encode::build(bool live) {
  const std::string& px = options_.name_prefix;
  auto add = [&](Result<GstElement*> r) -> Status {
    if (!r) return Unexpected<Error>{r.error()};
    gst_bin_add(GST_BIN(pipeline_), *r);
    elements_.push_back(*r);
    return {};
  };
  // A slow encoder must never pile up old frames: keep only the newest one.
  if (auto st = add(makeElement({"queue",
                                 px + "capture-queue",
                                 {{"leaky", "downstream"},
                                  {"max-size-buffers", "1"},
                                  {"max-size-bytes", "0"},
                                  {"max-size-time", "0"}}}));
      !st) {
    return st;
  }
  for (const auto& spec : profile_.pre) {
    if (auto st = add(makeElement(prefixed(spec, px))); !st) return st;
    encoder_chain_.push_back(elements_.back());
  }
  if (auto st = add(makeCaps(profile_.pre_caps, (px + "encoder-caps").c_str())); !st) return st;
  ElementSpec enc = profile_.encoder_element;
  if (enc.name.empty() && !px.empty()) enc.name = px + "encoder";
  if (enc.name.empty()) {
    enc.name = px.empty() ? "" : px + "encoder";
  } else {
    enc = prefixed(enc, px);
  }
  if (auto st = add(makeElement(enc)); !st) return st;
  encoder_ = elements_.back();
  encoder_chain_.push_back(encoder_);
  if (auto st = add(makeCaps(profile_.post_caps, (px + "encoded-caps").c_str())); !st) return st;
  if (auto st = add(makeElement(prefixed(profile_.payloader, px))); !st) return st;
  GstElement* payloader = elements_.back();
  if (options_.ssrc != 0 &&
      g_object_class_find_property(G_OBJECT_GET_CLASS(payloader), "ssrc") != nullptr) {
    g_object_set(payloader, "ssrc", static_cast<guint>(options_.ssrc), nullptr);
  }
  if (auto st = add(makeCaps(profile_.rtp_caps, (px + "rtp-caps").c_str())); !st) return st;
  if (auto st = add(makeElement({"tee", px + "fanout-tee", {{"allow-not-linked", "true"}}})); !st) {
    return st;
  }
  tee_ = elements_.back();
  for (size_t i = 0; i + 1 < elements_.size(); ++i) {
    if (!gst_element_link(elements_[i], elements_[i + 1])) {
      return fail(std::string("cannot link ") + GST_ELEMENT_NAME(elements_[i]) + " to " +
                  GST_ELEMENT_NAME(elements_[i + 1]));
    }
  }
  if (options_.playout_delay) {
    GstPad* pay_src = gst_element_get_static_pad(payloader, "src");
    gst_pad_add_probe(
        pay_src,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        playoutDelayProbe, nullptr, nullptr);
    gst_object_unref(pay_src);
  }
  GstPad* enc_src = gst_element_get_static_pad(encoder_, "src");
  gst_pad_add_probe(enc_src, GST_PAD_PROBE_TYPE_BUFFER, countFrames, &encoded_frames_, nullptr);
  gst_object_unref(enc_src);
  // A PLI/FIR reaches the encoder as an upstream force-key-unit event, within the overall limit.
  keyframes_.attach(encoder_);
  if (live) {
    for (auto it = elements_.rbegin(); it != elements_.rend(); ++it) {
      if (!gst_element_sync_state_with_parent(*it)) {
        return fail(std::string("cannot start ") + GST_ELEMENT_NAME(*it));
      }
    }
  }
  raw_pad_ = gst_element_request_pad_simple(raw_tee_, "src_%u");
  GstPad* sink = gst_element_get_static_pad(elements_.front(), "sink");
  const bool linked = gst_pad_link(raw_pad_, sink) == GST_PAD_LINK_OK;
  gst_object_unref(sink);
  if (!linked) return fail("cannot link the " + profile_.codec + " encode to the capture");
  return {};
}

Encode::~Encode() {
  if (raw_pad_ != nullptr) {
    gst_element_release_request_pad(raw_tee_, raw_pad_);
    gst_object_unref(raw_pad_);
  }
  // Stopped upstream first; each set_state waits for that element's streaming thread.
  for (GstElement* e : elements_) gst_element_set_state(e, GST_STATE_NULL);
  for (GstElement* e : elements_) gst_bin_remove(GST_BIN(pipeline_), e);
  if (!options_.name_prefix.empty()) log::info(kLog, profile_.codec + " encode stopped");
}

bool Encode::isEncoderChain(GstObject* obj) const {
  for (GstElement* e : encoder_chain_) {
    if (obj == GST_OBJECT(e) || gst_object_has_as_ancestor(obj, GST_OBJECT(e))) return true;
  }
  return false;
}

void Encode::setBitrate(const EncodeParams& params) {
  const int value = fecAdjustedKbps(params) * profile_.bitrate_multiplier;
  gst_util_set_object_arg(G_OBJECT(encoder_), profile_.bitrate_property.c_str(),
                          std::to_string(value).c_str());
}

void Encode::setFramerate(const EncodeParams& params) {
  const auto vbv = std::to_string(softwareVbvMs(params));
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(encoder_), "vbv-buf-capacity") != nullptr) {
    gst_util_set_object_arg(G_OBJECT(encoder_), "vbv-buf-capacity", vbv.c_str());
  }
}

}  // namespace ds::media
