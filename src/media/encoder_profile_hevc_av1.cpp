// Software H.265 and AV1 profiles (Selkies 1.6's properties): x265enc, svtav1enc, av1enc (libaom),
// rav1enc (rav1e). Input from libyuv (I420), like the other software encoders.
#include <algorithm>
#include <string>

#include "media/encoder_parts.hpp"

namespace ds::media::parts {
namespace {

EncoderProfile softwareBase(const EncodeParams& p, const char* encoder) {
  EncoderProfile e;
  e.encoder = encoder;
  e.pre = toYuv420(softwareThreads(p.cores));
  e.pre_caps = "video/x-raw,format=I420";
  return e;
}

// svt/aom/rav1e use up to 24 threads.
std::string av1Threads(const EncodeParams& p) {
  return std::to_string(std::max(1, std::min(24, p.cores - 1)));
}

}  // namespace

EncoderProfile x265(const EncodeParams& p) {
  EncoderProfile e = softwareBase(p, "x265enc");
  e.codec = "H265";
  e.encoder_element = {
      "x265enc",
      "video-enc",
      {{"option-string", "b-adapt=0:bframes=0:rc-lookahead=0:repeat-headers:pmode:wpp"},
       {"key-int-max", infiniteGop(p) ? "2147483647" : std::to_string(gopFrames(p))},
       {"speed-preset", "ultrafast"},
       {"tune", "zerolatency"},
       {"bitrate", std::to_string(fecAdjustedKbps(p))}}};
  h265Output(e);
  return e;
}

EncoderProfile svtAv1(const EncodeParams& p) {
  EncoderProfile e = softwareBase(p, "svtav1enc");
  e.codec = "AV1";
  e.encoder_element = {
      "svtav1enc",
      "video-enc",
      {{"intra-period-length", infiniteGop(p) ? "-1" : std::to_string(gopFrames(p))},
       {"preset", "10"},
       {"logical-processors", av1Threads(p)},
       {"parameters-string",
        "rc=2:fast-decode=1:buf-initial-sz=100:buf-optimal-sz=120:maxsection-pct=250:"
        "lookahead=0:pred-struct=1"},
       {"target-bitrate", std::to_string(fecAdjustedKbps(p))}}};
  av1Output(e);
  e.bitrate_property = "target-bitrate";
  return e;
}

EncoderProfile aomAv1(const EncodeParams& p) {
  EncoderProfile e = softwareBase(p, "av1enc");
  e.codec = "AV1";
  e.encoder_element = {
      "av1enc",
      "video-enc",
      {{"cpu-used", "10"},
       {"end-usage", "cbr"},
       {"keyframe-max-dist", infiniteGop(p) ? "2147483647" : std::to_string(gopFrames(p))},
       {"lag-in-frames", "0"},
       {"overshoot-pct", "10"},
       {"row-mt", "true"},
       {"usage-profile", "realtime"},
       {"tile-columns", "2"},
       {"tile-rows", "2"},
       {"threads", av1Threads(p)},
       {"target-bitrate", std::to_string(fecAdjustedKbps(p))}}};
  av1Output(e);
  e.bitrate_property = "target-bitrate";
  return e;
}

EncoderProfile rav1e(const EncodeParams& p) {
  EncoderProfile e = softwareBase(p, "rav1enc");
  e.codec = "AV1";
  e.encoder_element = {
      "rav1enc",
      "video-enc",
      {{"low-latency", "true"},
       {"max-key-frame-interval", infiniteGop(p) ? "715827882" : std::to_string(gopFrames(p))},
       {"rdo-lookahead-frames", "0"},
       {"reservoir-frame-delay", "12"},
       {"speed-preset", "10"},
       {"tiles", "16"},
       {"threads", av1Threads(p)},
       {"bitrate", std::to_string(fecAdjustedKbps(p) * 1000)}}};
  av1Output(e);
  e.bitrate_property = "bitrate";
  e.bitrate_multiplier = 1000;
  return e;
}

}  // namespace ds::media::parts
