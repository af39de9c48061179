#include "media/encoder_probe.hpp"

#include <gst/gst.h>

#include "media/video_pipeline.hpp"

namespace ds::media {

Status probeEncoder(const std::string& encoder, const EncodeParams& params) {
  if (!hasProfile(encoder)) return fail(encoder + " is not supported by deskstream yet");
  const EncoderProfile profile = profileFor(encoder, params);
  if (gst_element_factory_find(profile.encoder_element.factory.c_str()) == nullptr) {
    return fail(encoder + ": GStreamer element " + profile.encoder_element.factory +
                " is not installed");
  }
  GstElement* pipeline = gst_pipeline_new("encoder-probe");
  std::vector<GstElement*> chain;
  std::vector<ElementSpec> specs = {{"videotestsrc", "", {{"num-buffers", "2"}}}};
  for (const auto& s : profile.pre) specs.push_back({s.factory, "", s.properties});
  specs.push_back({profile.encoder_element.factory, "", profile.encoder_element.properties});
  specs.push_back({"fakesink", "", {}});
  for (const auto& spec : specs) {
    auto e = makeElement(spec);
    if (!e) {
      gst_object_unref(pipeline);
      return Unexpected<Error>{e.error()};
    }
    gst_bin_add(GST_BIN(pipeline), *e);
    chain.push_back(*e);
  }
  GstCaps* raw = gst_caps_from_string("video/x-raw,width=320,height=240,framerate=30/1");
  bool linked = gst_element_link_filtered(chain[0], chain[1], raw);
  gst_caps_unref(raw);
  GstCaps* pre_caps = gst_caps_from_string(profile.pre_caps.c_str());
  const size_t enc_index = chain.size() - 2;
  for (size_t i = 1; linked && i + 1 < chain.size(); ++i) {
    linked = (i + 1 == enc_index) ? gst_element_link_filtered(chain[i], chain[i + 1], pre_caps)
                                  : gst_element_link(chain[i], chain[i + 1]);
  }
  gst_caps_unref(pre_caps);
  if (!linked) {
    gst_object_unref(pipeline);
    return fail(encoder + ": cannot link the probe pipeline (missing converter or caps)");
  }
  Status result;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    result = fail(encoder + ": failed to start (no device or driver?)");
  } else {
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* msg = gst_bus_timed_pop_filtered(
        bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (msg == nullptr) {
      result = fail(encoder + ": no frame encoded within 10 s");
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      GError* err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      result = fail(encoder + ": " + (err != nullptr ? err->message : "error"));
      g_clear_error(&err);
    }
    if (msg != nullptr) gst_message_unref(msg);
    gst_object_unref(bus);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return result;
}

Result<EncoderChoice> chooseEncoder(const std::string& requested, const EncodeParams& params) {
  EncoderChoice choice;
  for (const auto& candidate : fallbackChain(requested)) {
    auto st = probeEncoder(candidate, params);
    if (st) {
      choice.encoder = candidate;
      return choice;
    }
    choice.warnings.push_back(st.error().message);
  }
  std::string all;
  for (const auto& w : choice.warnings) all += "\n  " + w;
  return fail("no usable video encoder (SELKIES_ENCODER=" + requested + "):" + all);
}

}  // namespace ds::media
