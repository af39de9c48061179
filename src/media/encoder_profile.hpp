// Encoder profiles: for each supported encoder, the element chain and property values Selkies 1.6
// uses (docs/encoders.md), computed from the stream parameters. Pure (no GStreamer), so the
// derived values (VBV, GOP, bitrate units) are unit-tested.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace ds::media {

struct EncodeParams {
  int framerate = 60;
  int bitrate_kbps = 8000;
  // -1 = infinite GOP (keyframes on PLI/FIR only); any other value: max(60, framerate x it)
  // frames, as Selkies computes it.
  double keyframe_distance_s = -1;
  double packetloss_percent = 0;
  int cores = 2;
  int gpu_id = 0;
};

using Properties = std::vector<std::pair<std::string, std::string>>;

struct ElementSpec {
  std::string factory;
  std::string name;
  Properties properties;
  // Factories tried in order when `factory` is not installed (e.g. VA low-power encoders).
  std::vector<std::string> alternatives = {};
};

struct EncoderProfile {
  std::string encoder;  // the SELKIES_ENCODER name, e.g. "x264enc"
  std::string codec;    // "H264", "H265", "VP8", "VP9", "AV1"
  // Elements between the capture caps and the encoder (converters, uploaders), in order.
  std::vector<ElementSpec> pre;
  std::string pre_caps;  // caps after `pre` ("video/x-raw,format=NV12")
  ElementSpec encoder_element;
  std::string post_caps;  // caps after the encoder
  ElementSpec payloader;
  int payload_type = 96;
  std::string rtp_caps;  // caps after the payloader (with rtcp-fb flags)
  // Property that carries the bitrate and its unit multiplier from kbit/s.
  std::string bitrate_property;
  int bitrate_multiplier = 1;
  // The encoder starts over (a new keyframe, its rate control from scratch) when the frame rate
  // of its input caps changes, and its rate control counts frames at that caps rate (x264enc):
  // Encode then keeps the caps' rate at the one it was built for and scales the bitrate to the
  // frames it really gets (media/encode.hpp).
  bool fixed_caps_rate = false;
  // Its rate control takes the frame rate from the frames' timestamps, not from the caps
  // (libvpx: VP8 and VP9 average 1 / the time between frames): with fixed_caps_rate its caps
  // keep one rate too (vp8enc and vp9enc start over on any caps change), but its bitrate is
  // never scaled for the frames it really gets, and its buffer follows the real frame time.
  bool rate_from_timestamps = false;
};

// Every SELKIES_ENCODER name Selkies 1.6 knows (the names of encoder_table.hpp's rows), each with
// a profile here.
const std::vector<std::string>& selkiesEncoders();
// False for a name that is not in the encoder table.
bool hasProfile(const std::string& encoder);
// The profile of `encoder` for these parameters; an error naming SELKIES_ENCODER for a name that
// is not in the encoder table (never a silent default).
Result<EncoderProfile> profileFor(const std::string& encoder, const EncodeParams& params);
// The latency benchmark's A/B baseline (bench/latency): videoconvert and plain `x264enc
// tune=zerolatency` at the stream's bitrate, with x264's defaults for everything else.
EncoderProfile naiveBaselineProfile(const EncodeParams& params);

// Derived values, as Selkies computes them: the bitrate less the FEC share, and the VBV of
// 1.5 frames (infinite GOP) or 3 frames (periodic keyframes).
int fecAdjustedKbps(const EncodeParams& params);
int softwareVbvMs(const EncodeParams& params);
int hardwareVbvKbit(const EncodeParams& params);
int softwareThreads(int cores);  // min(4, cores-1), at least 1

// The fallback order when `encoder` cannot be used: `encoder`, then each row's `next` in the
// encoder table (NVENC or VA -> VA H.264 -> x264). Just `encoder` for a name not in the table.
std::vector<std::string> fallbackChain(const std::string& encoder);

}  // namespace ds::media
