// Internal to media/: the building blocks the encoder profiles share, and the profiles of
// encoder_profile_hw.cpp (NVENC, VA) and encoder_profile_hevc_av1.cpp (x265, AV1 software).
#pragma once

#include <string>
#include <vector>

#include "media/encoder_profile.hpp"

namespace ds::media::parts {

std::string rtpCaps(const std::string& encoding_name, int payload_type);
bool infiniteGop(const EncodeParams& p);  // keyframe distance -1, as Selkies tests it
int gopFrames(const EncodeParams& p);     // max(60, framerate x distance), at most INT32_MAX
// X capture -> 4:2:0 for the software encoders (videoconvert passthrough + libyuv).
std::vector<ElementSpec> toYuv420(int threads);
ElementSpec h264Payloader();
// H.264 caps, payloader (pt 97) and kbit/s "bitrate" after an encoder of constrained baseline.
void constrainedBaselineH264Output(EncoderProfile& e);
// H.265 main, byte-stream, rtph265pay (pt 100).
void h265Output(EncoderProfile& e);
// AV1 OBU stream, rtpav1pay (pt 96; gst-plugins-rs).
void av1Output(EncoderProfile& e);

enum class HwCodec { kH264, kH265, kVp9, kAv1 };
EncoderProfile nvenc(const EncodeParams& p, HwCodec codec);  // kH264, kH265, kAv1
EncoderProfile vaapi(const EncodeParams& p, HwCodec codec);  // all four
EncoderProfile x265(const EncodeParams& p);
EncoderProfile svtAv1(const EncodeParams& p);
EncoderProfile aomAv1(const EncodeParams& p);
EncoderProfile rav1e(const EncodeParams& p);

}  // namespace ds::media::parts
