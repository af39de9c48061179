// NVENC and VA profiles (Selkies 1.6's chains and properties), for GStreamer 1.22-1.24 element
// names.
#include <string>

#include "media/encoder_parts.hpp"

namespace ds::media::parts {
namespace {

const char* codecName(HwCodec c) {
  switch (c) {
    case HwCodec::kH264:
      return "h264";
    case HwCodec::kH265:
      return "h265";
    case HwCodec::kVp9:
      return "vp9";
    case HwCodec::kAv1:
      return "av1";
  }
  return "h264";
}

std::string gop(const EncodeParams& p, const char* infinite) {
  return infiniteGop(p) ? infinite : std::to_string(gopFrames(p));
}

}  // namespace

EncoderProfile nvenc(const EncodeParams& p, HwCodec codec) {
  const std::string c = codecName(codec);
  EncoderProfile e;
  e.encoder = "nv" + c + "enc";
  // A negative SELKIES_GPU_ID leaves the CUDA device to GStreamer (-1: the default).
  const std::string dev = std::to_string(p.gpu_id < 0 ? -1 : p.gpu_id);
  e.pre = {{"cudaupload", "video-upload", {{"cuda-device-id", dev}}},
           {"cudaconvert", "video-convert", {{"cuda-device-id", dev}, {"qos", "true"}}}};
  e.pre_caps = "video/x-raw(memory:CUDAMemory),format=NV12";
  // GStreamer 1.22-1.24: the CUDA-memory encoders are nvcuda<codec>enc, device N > 0:
  // nvcuda<codec>device<N>enc.
  const std::string factory =
      p.gpu_id > 0 ? "nvcuda" + c + "device" + dev + "enc" : "nvcuda" + c + "enc";
  e.encoder_element = {factory,
                       "video-enc",
                       {{"bitrate", std::to_string(fecAdjustedKbps(p))},
                        {"rate-control", "cbr"},
                        {"gop-size", gop(p, "-1")},
                        {"strict-gop", "true"},
                        {"b-adapt", "false"},
                        {"rc-lookahead", "0"},
                        {"vbv-buffer-size", std::to_string(hardwareVbvKbit(p))},
                        {"b-frames", "0"},
                        {"zero-reorder-delay", "true"},
                        {"preset", "p4"},
                        {"tune", "ultra-low-latency"},
                        {"multi-pass", "two-pass-quarter"}}};
  auto& props = e.encoder_element.properties;
  if (codec != HwCodec::kAv1) {
    props.emplace_back("aud", "false");
    props.emplace_back("repeat-sequence-header", "true");
  }
  if (codec == HwCodec::kH264) {
    props.emplace_back("cabac", "true");
    e.codec = "H264";
    constrainedBaselineH264Output(e);
    e.post_caps = "video/x-h264,profile=main,stream-format=byte-stream";
  } else if (codec == HwCodec::kH265) {
    e.codec = "H265";
    h265Output(e);
  } else {
    e.codec = "AV1";
    av1Output(e);
    e.bitrate_property = "bitrate";
  }
  // GStreamer 1.22's GstNvEncoder opens a new NVENC session (an IDR, its rate control from
  // scratch) on any new caps (set_format), a frame-rate step included, while a new `bitrate` is
  // a soft NvEncReconfigureEncoder (on GPUs with dynamic bitrate change). NVENC's rate control
  // gives each frame bitrate / the configured frame rate (frameRateNum, from the caps): the
  // same arithmetic as x264's. Not measured here (no GPU).
  e.fixed_caps_rate = true;
  return e;
}

EncoderProfile vaapi(const EncodeParams& p, HwCodec codec) {
  const std::string c = codecName(codec);
  EncoderProfile e;
  e.encoder = "va" + c + "enc";
  // SELKIES_GPU_ID=N > 0 selects /dev/dri/renderD(128+N), whose elements GStreamer names
  // varenderD<128+N>...; GPU 0 is the first VA device, with the plain names.
  const std::string prefix =
      p.gpu_id > 0 ? "varenderD" + std::to_string(128 + p.gpu_id) : std::string("va");
  e.pre = {{prefix + "postproc", "video-convert", {{"scale-method", "fast"}, {"qos", "true"}}}};
  e.pre_caps = "video/x-raw(memory:VAMemory),format=NV12";
  e.encoder_element = {prefix + c + "enc",
                       "video-enc",
                       {{"cpb-size", std::to_string(hardwareVbvKbit(p))},
                        {"key-int-max", gop(p, "1024")},
                        {"mbbrc", "disabled"},
                        {"ref-frames", "1"},
                        {"rate-control", "cbr"},
                        {"target-usage", "6"},
                        {"bitrate", std::to_string(fecAdjustedKbps(p))}},
                       {prefix + c + "lpenc"}};
  auto& props = e.encoder_element.properties;
  if (codec == HwCodec::kH264 || codec == HwCodec::kH265) {
    props.emplace_back("aud", "false");
    props.emplace_back("b-frames", "0");
    props.emplace_back("num-slices", "4");
  }
  switch (codec) {
    case HwCodec::kH264:
      props.emplace_back("dct8x8", "false");
      e.codec = "H264";
      constrainedBaselineH264Output(e);
      break;
    case HwCodec::kH265:
      e.codec = "H265";
      h265Output(e);
      break;
    case HwCodec::kVp9:
      props.emplace_back("hierarchical-level", "1");
      e.codec = "VP9";
      e.post_caps = "video/x-vp9";
      e.payloader = {"rtpvp9pay", "video-pay", {{"mtu", "1200"}, {"picture-id-mode", "15-bit"}}};
      e.payload_type = 98;
      e.rtp_caps = rtpCaps("VP9", 98);
      e.bitrate_property = "bitrate";
      break;
    case HwCodec::kAv1:
      props.emplace_back("hierarchical-level", "1");
      props.emplace_back("tile-groups", "16");
      e.codec = "AV1";
      av1Output(e);
      e.bitrate_property = "bitrate";
      break;
  }
  return e;
}

}  // namespace ds::media::parts
