#include "media/encoder_probe.hpp"

#include <gst/gst.h>

#include "media/video_pipeline.hpp"
#include "media/yuv_convert.hpp"

namespace ds::media {
namespace {

bool installed(const ElementSpec& spec) {
  auto has = [](const std::string& factory) {
    GstElementFactory* f = gst_element_factory_find(factory.c_str());
    if (f == nullptr) return false;
    gst_object_unref(f);
    return true;
  };
  if (has(spec.factory)) return true;
  for (const auto& alt : spec.alternatives) {
    if (has(alt)) return true;
  }
  return false;
}

// Why an element is typically missing, for the one fallback line.
std::string missingHint(const std::string& factory, const EncodeParams& params) {
  if (factory == "rtpav1pay") return " (the AV1 RTP payloader comes with gst-plugins-rs)";
  if (factory.rfind("nvcuda", 0) == 0 || factory.rfind("cuda", 0) == 0) {
    return " (GStreamer's nvcodec plugin registers it only with an NVIDIA GPU and driver)";
  }
  if (factory.rfind("va", 0) == 0) {
    return params.gpu_id > 0
               ? " (SELKIES_GPU_ID=" + std::to_string(params.gpu_id) + " selects /dev/dri/renderD" +
                     std::to_string(128 + params.gpu_id) +
                     ", whose VA elements GStreamer did not find)"
               : " (GStreamer's va plugin registers it only with a VA-API GPU)";
  }
  return "";
}

}  // namespace

Status probeEncoder(const std::string& encoder, const EncodeParams& params) {
  auto known = profileFor(encoder, params);
  if (!known) return Unexpected<Error>{known.error()};
  registerYuvConvert();  // our own element (dsyuvconvert)
  const EncoderProfile& profile = *known;
  std::vector<ElementSpec> needed = profile.pre;
  needed.push_back(profile.encoder_element);
  needed.push_back(profile.payloader);
  for (const auto& spec : needed) {
    if (!installed(spec)) {
      return fail(encoder + ": GStreamer element " + spec.factory + " is not installed" +
                  missingHint(spec.factory, params));
    }
  }
  // One frame through the stream's own chain: converters, encoder, caps, payloader.
  GstElement* pipeline = gst_pipeline_new("encoder-probe");
  std::vector<GstElement*> chain;
  Status made;
  auto add = [&](Result<GstElement*> e) {
    if (!made) return;
    if (!e) {
      made = Unexpected<Error>{e.error()};
      return;
    }
    gst_bin_add(GST_BIN(pipeline), *e);
    chain.push_back(*e);
  };
  add(makeElement({"videotestsrc", "", {{"num-buffers", "2"}}}));
  add(makeCaps("video/x-raw,width=320,height=240,framerate=30/1", nullptr));
  for (const auto& s : profile.pre) add(makeElement({s.factory, "", s.properties, s.alternatives}));
  add(makeCaps(profile.pre_caps, nullptr));
  const auto& enc = profile.encoder_element;
  add(makeElement({enc.factory, "", enc.properties, enc.alternatives}));
  add(makeCaps(profile.post_caps, nullptr));
  add(makeElement({profile.payloader.factory, "", profile.payloader.properties}));
  add(makeElement({"fakesink", "", {}}));
  if (!made) {
    gst_object_unref(pipeline);
    return made;
  }
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    if (!gst_element_link(chain[i], chain[i + 1])) {
      gst_object_unref(pipeline);
      return fail(encoder + ": cannot link " + GST_ELEMENT_NAME(chain[i]) + " to " +
                  GST_ELEMENT_NAME(chain[i + 1]) + " (caps)");
    }
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

std::string fallbackLine(const std::string& requested, const EncoderChoice& choice) {
  std::string why;
  for (const auto& w : choice.warnings) why += (why.empty() ? "" : "; ") + w;
  return "SELKIES_ENCODER=" + requested + " is not usable here, falling back to " + choice.encoder +
         ": " + why;
}

}  // namespace ds::media
