#include "media/encoder_profile.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "media/encoder_parts.hpp"
#include "media/encoder_table.hpp"

namespace ds::media {
namespace parts {
namespace {

constexpr const char* kFeedback =
    ",rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true,"
    "rtcp-fb-x-gstreamer-fir-as-repair=(boolean)true";

ElementSpec videoconvert(int threads, const std::string& name = "video-convert") {
  return {"videoconvert", name, {{"n-threads", std::to_string(threads)}, {"qos", "true"}}};
}

}  // namespace

std::string rtpCaps(const std::string& name, int pt) {
  return "application/x-rtp,media=video,clock-rate=90000,encoding-name=" + name +
         ",payload=" + std::to_string(pt) + kFeedback;
}

bool infiniteGop(const EncodeParams& p) { return p.keyframe_distance_s == -1.0; }

int gopFrames(const EncodeParams& p) {
  const double frames = std::min(p.framerate * p.keyframe_distance_s, 2147483647.0);
  return std::max(60, static_cast<int>(frames));
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
// payload type 97 (Selkies' H.264 payload type), and its kbit/s "bitrate" property.
void constrainedBaselineH264Output(EncoderProfile& e) {
  e.post_caps = "video/x-h264,profile=constrained-baseline,stream-format=byte-stream";
  e.payloader = h264Payloader();
  e.payload_type = 97;
  e.rtp_caps = rtpCaps("H264", 97);
  e.bitrate_property = "bitrate";
}

void h265Output(EncoderProfile& e) {
  e.post_caps = "video/x-h265,profile=main,stream-format=byte-stream";
  e.payloader = {"rtph265pay",
                 "video-pay",
                 {{"mtu", "1200"}, {"aggregate-mode", "zero-latency"}, {"config-interval", "-1"}}};
  e.payload_type = 100;
  e.rtp_caps = rtpCaps("H265", 100);
  e.bitrate_property = "bitrate";
}

void av1Output(EncoderProfile& e) {
  e.post_caps = "video/x-av1,parsed=true,stream-format=obu-stream";
  e.payloader = {"rtpav1pay", "video-pay", {{"mtu", "1200"}}};
  e.payload_type = 96;
  e.rtp_caps = rtpCaps("AV1", 96);
}

}  // namespace parts

namespace {

using namespace parts;  // NOLINT(google-build-using-namespace): this file's own parts

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
  // x264enc opens a new encoder on any change of its input caps' frame rate (gst-plugins-ugly
  // 1.22, set_format), and with tune=zerolatency (force-cfr) its rate control gives each frame
  // bitrate / caps rate.
  e.fixed_caps_rate = true;
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
  // gst-plugins-good 1.22 vpxenc destroys and creates its encoder (a keyframe) on any new caps,
  // a frame-rate step included; libvpx derives the frame rate from the timestamps.
  e.fixed_caps_rate = true;
  e.rate_from_timestamps = true;
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

const std::vector<std::string>& selkiesEncoders() {
  static const std::vector<std::string> kAll = [] {
    std::vector<std::string> names;
    for (const auto& e : kEncoders) names.emplace_back(e.name);
    return names;
  }();
  return kAll;
}

bool hasProfile(const std::string& encoder) { return findEncoder(encoder) != nullptr; }

Result<EncoderProfile> profileFor(const std::string& encoder, const EncodeParams& params) {
  const EncoderEntry* entry = findEncoder(encoder);
  if (entry == nullptr) {
    std::string names;
    for (const auto& e : kEncoders) names += (names.empty() ? "" : ", ") + std::string(e.name);
    return fail("SELKIES_ENCODER=\"" + encoder + "\" is not an encoder deskstream knows (" + names +
                ")");
  }
  switch (entry->builder) {
    case ProfileBuilder::kX264:
      return x264(params);
    case ProfileBuilder::kOpenH264:
      return openh264(params);
    case ProfileBuilder::kVp8:
      return vpx(params, false);
    case ProfileBuilder::kVp9:
      return vpx(params, true);
    case ProfileBuilder::kNvH264:
      return nvenc(params, HwCodec::kH264);
    case ProfileBuilder::kNvH265:
      return nvenc(params, HwCodec::kH265);
    case ProfileBuilder::kNvAv1:
      return nvenc(params, HwCodec::kAv1);
    case ProfileBuilder::kVaH264:
      return vaapi(params, HwCodec::kH264);
    case ProfileBuilder::kVaH265:
      return vaapi(params, HwCodec::kH265);
    case ProfileBuilder::kVaVp9:
      return vaapi(params, HwCodec::kVp9);
    case ProfileBuilder::kVaAv1:
      return vaapi(params, HwCodec::kAv1);
    case ProfileBuilder::kX265:
      return x265(params);
    case ProfileBuilder::kSvtAv1:
      return svtAv1(params);
    case ProfileBuilder::kAomAv1:
      return aomAv1(params);
    case ProfileBuilder::kRav1e:
      return rav1e(params);
  }
  return fail("SELKIES_ENCODER=\"" + encoder + "\" has no profile builder");
}

EncoderProfile naiveBaselineProfile(const EncodeParams& p) {
  EncoderProfile e = x264(p);
  e.fixed_caps_rate = false;  // plain: the caps' rate as it comes
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
  // Each row's `next`, until the end of the chain; the table has no cycle (a unit test walks
  // every chain), and the bound keeps a broken edit from looping.
  for (const EncoderEntry* e = findEncoder(encoder);
       e != nullptr && !e->next.empty() && chain.size() <= kEncoders.size();
       e = findEncoder(e->next)) {
    chain.emplace_back(e->next);
  }
  return chain;
}

}  // namespace ds::media
