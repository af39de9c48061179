#include "media/encoder_probe.hpp"

#include <gst/gst.h>

#include "media/gst_util.hpp"
#include "media/yuv_convert.hpp"

namespace ds::media {
namespace {

bool installed(const ElementSpec& spec) {
  auto has = [](const std::string& factory) {
    return GstPtr<GstElementFactory>(gst_element_factory_find(factory.c_str())) != nullptr;
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
  GstPtr<GstElement> pipeline = sinkPtr(gst_pipeline_new("encoder-probe"));
  const auto& enc = profile.encoder_element;
  std::vector<ChainLink> links;
  links.emplace_back(ElementSpec{"videotestsrc", "", {{"num-buffers", "2"}}});
  links.push_back(capsLink("video/x-raw,width=320,height=240,framerate=30/1"));
  for (const auto& s : profile.pre)
    links.emplace_back(ElementSpec{s.factory, "", s.properties, s.alternatives});
  links.push_back(capsLink(profile.pre_caps));
  links.emplace_back(ElementSpec{enc.factory, "", enc.properties, enc.alternatives});
  links.push_back(capsLink(profile.post_caps));
  links.emplace_back(ElementSpec{profile.payloader.factory, "", profile.payloader.properties});
  links.emplace_back(ElementSpec{"fakesink", "", {}});
  auto chain = buildChain(GST_BIN(pipeline.get()), links);
  if (!chain) {
    const std::string& why = chain.error().message;
    if (why.rfind("cannot link ", 0) == 0) return fail(encoder + ": " + why + " (caps)");
    return Unexpected<Error>{chain.error()};
  }
  Status result;
  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    result = fail(encoder + ": failed to start (no device or driver?)");
  } else {
    GstPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
    MessagePtr msg(gst_bus_timed_pop_filtered(
        bus.get(), 10 * GST_SECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
    if (msg == nullptr) {
      result = fail(encoder + ": no frame encoded within 10 s");
    } else if (GST_MESSAGE_TYPE(msg.get()) == GST_MESSAGE_ERROR) {
      const MessageText text = parseError(msg.get());
      result = fail(encoder + ": " + (text.message.empty() ? "error" : text.message));
    }
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
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
