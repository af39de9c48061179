#include "media/encoder_profile.hpp"

#include <algorithm>
#include <cmath>

namespace ds::media {
namespace {

constexpr const char* kFeedback =
    ",rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true,"
    "rtcp-fb-x-gstreamer-fir-as-repair=(boolean)true";

std::string rtpCaps(const std::string& name, int pt) {
  return "application/x-rtp,media=video,clock-rate=90000,encoding-name=" + name +
         ",payload=" + std::to_string(pt) + kFeedback;
}

bool infiniteGop(const EncodeParams& p) { return p.keyframe_distance_s < 0; }

int gopFrames(const EncodeParams& p) { return std::max(60, p.framerate * p.keyframe_distance_s); }

ElementSpec videoconvert(int threads, const std::string& name = "video-convert") {
  return {"videoconvert", name, {{"n-threads", std::to_string(threads)}, {"qos", "true"}}};
}

// X capture -> 4:2:0 for the software encoders: libyuv (media/yuv_convert.hpp) does the work;
// the videoconvert in front is a no-op passthrough for BGRx/BGRA and only converts captures of
// other depths (16-bit X servers) to BGRx first.
std::vector<ElementSpec> toYuv420(int threads) {
  return {videoconvert(threads), {"dsyuvconvert", "yuv-convert", {}}};
}

ElementSpec h264Payloader() {
  return {"rtph264pay",
          "video-pay",
          {{"mtu", "1200"}, {"aggregate-mode", "zero-latency"}, {"config-interval", "-1"}}};
}

// What follows an H.264 encoder that produces constrained baseline: caps, payloader with
// payload type 97 (reference §3.4), and its kbit/s "bitrate" property.
void constrainedBaselineH264Output(EncoderProfile& e) {
  e.post_caps = "video/x-h264,profile=constrained-baseline,stream-format=byte-stream";
  e.payloader = h264Payloader();
  e.payload_type = 97;
  e.rtp_caps = rtpCaps("H264", 97);
  e.bitrate_property = "bitrate";
}

EncoderProfile x264(const EncodeParams& p) {
  const int threads = softwareThreads(p.cores);
  EncoderProfile e;
  e.encoder = "x264enc";
  e.codec = "H264";
  e.pre = toYuv420(threads);
  e.pre_caps = "video/x-raw,format=NV12";
  e.encoder_element = {
      "x264enc",
      "video-enc",
      {{"threads", std::to_string(threads)},
       {"aud", "false"},
       {"b-adapt", "false"},
       {"bframes", "0"},
       {"dct8x8", "false"},
       {"insert-vui", "true"},
       {"key-int-max", infiniteGop(p) ? "2147483647" : std::to_string(gopFrames(p))},
       {"mb-tree", "false"},
       {"rc-lookahead", "0"},
       {"sync-lookahead", "0"},
       {"vbv-buf-capacity", std::to_string(softwareVbvMs(p))},
       {"sliced-threads", "true"},
       {"byte-stream", "true"},
       {"pass", "cbr"},
       {"speed-preset", "ultrafast"},
       {"tune", "zerolatency"},
       {"bitrate", std::to_string(fecAdjustedKbps(p))}}};
  // ultrafast never uses CABAC or B-frames, so the stream is constrained baseline: say so, which
  // makes the SDP's profile-level-id=42e01f true rather than a workaround.
  constrainedBaselineH264Output(e);
  return e;
}

EncoderProfile openh264(const EncodeParams& p) {
  const int threads = softwareThreads(p.cores);
  EncoderProfile e;
  e.encoder = "openh264enc";
  e.codec = "H264";
  e.pre = toYuv420(threads);
  e.pre_caps = "video/x-raw,format=I420";
  e.encoder_element = {"openh264enc",
                       "video-enc",
                       {{"adaptive-quantization", "false"},
                        {"background-detection", "false"},
                        {"enable-frame-skip", "false"},
                        {"scene-change-detection", "false"},
                        {"usage-type", "screen"},
                        {"complexity", "low"},
                        {"gop-size", infiniteGop(p) ? "2147483647" : std::to_string(gopFrames(p))},
                        {"multi-thread", std::to_string(threads)},
                        {"slice-mode", "n-slices"},
                        {"num-slices", std::to_string(threads)},
                        {"rate-control", "bitrate"},
                        {"bitrate", std::to_string(fecAdjustedKbps(p) * 1000)}}};
  constrainedBaselineH264Output(e);
  e.bitrate_multiplier = 1000;
  return e;
}

EncoderProfile vpx(const EncodeParams& p, bool vp9) {
  const int threads = std::max(1, std::min(16, p.cores - 1));
  const std::string vbv = std::to_string(softwareVbvMs(p));
  EncoderProfile e;
  e.encoder = vp9 ? "vp9enc" : "vp8enc";
  e.codec = vp9 ? "VP9" : "VP8";
  e.pre = toYuv420(softwareThreads(p.cores));
  e.pre_caps = "video/x-raw,format=I420";
  e.encoder_element = {
      e.encoder,
      "video-enc",
      {{"threads", std::to_string(threads)},
       {"buffer-initial-size", vbv},
       {"buffer-optimal-size", vbv},
       {"buffer-size", vbv},
       {"cpu-used", "-16"},
       {"deadline", "1"},
       {"end-usage", "cbr"},
       {"error-resilient", "default"},
       {"keyframe-mode", "disabled"},
       {"keyframe-max-dist", infiniteGop(p) ? "2147483647" : std::to_string(gopFrames(p))},
       {"lag-in-frames", "0"},
       {"max-intra-bitrate", "250"},
       {"overshoot", "10"},
       {"undershoot", "25"},
       {"static-threshold", "0"},
       {"tuning", "psnr"},
       {"target-bitrate", std::to_string(fecAdjustedKbps(p) * 1000)}}};
  if (vp9) {
    e.encoder_element.properties.emplace_back("frame-parallel-decoding", "true");
    e.encoder_element.properties.emplace_back("row-mt", "true");
  }
  e.post_caps = vp9 ? "video/x-vp9" : "video/x-vp8";
  e.payloader = {vp9 ? "rtpvp9pay" : "rtpvp8pay",
                 "video-pay",
                 {{"mtu", "1200"}, {"picture-id-mode", "15-bit"}}};
  e.payload_type = vp9 ? 98 : 96;
  e.rtp_caps = rtpCaps(e.codec, e.payload_type);
  e.bitrate_property = "target-bitrate";
  e.bitrate_multiplier = 1000;
  return e;
}

EncoderProfile nvenc(const EncodeParams& p, bool h265) {
  EncoderProfile e;
  e.encoder = h265 ? "nvh265enc" : "nvh264enc";
  e.codec = h265 ? "H265" : "H264";
  const std::string dev = std::to_string(p.gpu_id);
  e.pre = {{"cudaupload", "video-upload", {{"cuda-device-id", dev}}},
           {"cudaconvert", "video-convert", {{"cuda-device-id", dev}, {"qos", "true"}}}};
  e.pre_caps = "video/x-raw(memory:CUDAMemory),format=NV12";
  // GStreamer 1.22: the CUDA-memory encoders are nvcuda{h264,h265}enc (device N:
  // nvcuda...deviceNenc).
  std::string factory = h265 ? "nvcudah265enc" : "nvcudah264enc";
  if (p.gpu_id > 0) {
    factory = std::string(h265 ? "nvcudah265device" : "nvcudah264device") + dev + "enc";
  }
  e.encoder_element = {factory,
                       "video-enc",
                       {{"bitrate", std::to_string(fecAdjustedKbps(p))},
                        {"rate-control", "cbr"},
                        {"gop-size", infiniteGop(p) ? "-1" : std::to_string(gopFrames(p))},
                        {"strict-gop", "true"},
                        {"aud", "false"},
                        {"b-adapt", "false"},
                        {"rc-lookahead", "0"},
                        {"vbv-buffer-size", std::to_string(hardwareVbvKbit(p))},
                        {"b-frames", "0"},
                        {"zero-reorder-delay", "true"},
                        {"repeat-sequence-header", "true"},
                        {"preset", "p4"},
                        {"tune", "ultra-low-latency"},
                        {"multi-pass", "two-pass-quarter"}}};
  if (!h265) e.encoder_element.properties.emplace_back("cabac", "true");
  e.post_caps = h265 ? "video/x-h265,profile=main,stream-format=byte-stream"
                     : "video/x-h264,profile=main,stream-format=byte-stream";
  e.payloader = h265 ? ElementSpec{"rtph265pay",
                                   "video-pay",
                                   {{"mtu", "1200"},
                                    {"aggregate-mode", "zero-latency"},
                                    {"config-interval", "-1"}}}
                     : h264Payloader();
  e.payload_type = h265 ? 100 : 97;
  e.rtp_caps = rtpCaps(e.codec, e.payload_type);
  e.bitrate_property = "bitrate";
  return e;
}

EncoderProfile vah264(const EncodeParams& p) {
  EncoderProfile e;
  e.encoder = "vah264enc";
  e.codec = "H264";
  e.pre = {{"vapostproc", "video-convert", {{"scale-method", "fast"}, {"qos", "true"}}}};
  e.pre_caps = "video/x-raw(memory:VAMemory),format=NV12";
  e.encoder_element = {"vah264enc",
                       "video-enc",
                       {{"aud", "false"},
                        {"b-frames", "0"},
                        {"cpb-size", std::to_string(hardwareVbvKbit(p))},
                        {"dct8x8", "false"},
                        {"key-int-max", infiniteGop(p) ? "1024" : std::to_string(gopFrames(p))},
                        {"mbbrc", "disabled"},
                        {"num-slices", "4"},
                        {"ref-frames", "1"},
                        {"rate-control", "cbr"},
                        {"target-usage", "6"},
                        {"bitrate", std::to_string(fecAdjustedKbps(p))}}};
  constrainedBaselineH264Output(e);
  return e;
}

}  // namespace

int fecAdjustedKbps(const EncodeParams& p) {
  return static_cast<int>(p.bitrate_kbps / (1.0 + p.packetloss_percent / 100.0));
}

int softwareVbvMs(const EncodeParams& p) {
  const double mult = infiniteGop(p) ? 1.5 : 3.0;
  return static_cast<int>(std::ceil(1000.0 / p.framerate) * mult);
}

int hardwareVbvKbit(const EncodeParams& p) {
  const double mult = infiniteGop(p) ? 1.5 : 3.0;
  return static_cast<int>(std::ceil(static_cast<double>(fecAdjustedKbps(p)) / p.framerate) * mult);
}

int softwareThreads(int cores) { return std::max(1, std::min(4, cores - 1)); }

bool hasProfile(const std::string& encoder) {
  static const char* kKnown[] = {"x264enc",   "openh264enc", "vp8enc",   "vp9enc",
                                 "nvh264enc", "nvh265enc",   "vah264enc"};
  return std::find(std::begin(kKnown), std::end(kKnown), encoder) != std::end(kKnown);
}

EncoderProfile profileFor(const std::string& encoder, const EncodeParams& params) {
  if (encoder == "openh264enc") return openh264(params);
  if (encoder == "vp8enc") return vpx(params, false);
  if (encoder == "vp9enc") return vpx(params, true);
  if (encoder == "nvh264enc") return nvenc(params, false);
  if (encoder == "nvh265enc") return nvenc(params, true);
  if (encoder == "vah264enc") return vah264(params);
  return x264(params);
}

EncoderProfile naiveBaselineProfile(const EncodeParams& p) {
  EncoderProfile e = x264(p);
  e.pre = {{"videoconvert", "video-convert", {}}};
  e.pre_caps = "video/x-raw,format=I420";
  e.encoder_element = {"x264enc",
                       "video-enc",
                       {{"tune", "zerolatency"}, {"bitrate", std::to_string(p.bitrate_kbps)}}};
  e.post_caps = "video/x-h264,stream-format=byte-stream";
  return e;
}

std::vector<std::string> fallbackChain(const std::string& encoder) {
  std::vector<std::string> chain{encoder};
  auto add = [&chain](const char* e) {
    if (std::find(chain.begin(), chain.end(), e) == chain.end()) chain.emplace_back(e);
  };
  if (encoder.rfind("nv", 0) == 0) add("vah264enc");
  add("x264enc");
  return chain;
}

}  // namespace ds::media
