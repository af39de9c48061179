// Everything deskstream knows about each SELKIES_ENCODER name, in one table: the codec it
// produces, whether it needs a GPU, the encoder tried next when it cannot run, and which profile
// builder (encoder_profile*.cpp) makes its element chain. Everything else reads this table: the
// accepted values of SELKIES_ENCODER and DESKSTREAM_EXTRA_ENCODERS (config), the profiles
// (profileFor), the startup probe's and the runtime failover's fallback chain (fallbackChain).
// Header-only data without GStreamer, so config validates names without linking media.
#pragma once

#include <array>
#include <string_view>

namespace ds::media {

// Which function of encoder_profile*.cpp builds a name's profile.
enum class ProfileBuilder {
  kX264,
  kOpenH264,
  kVp8,
  kVp9,
  kNvH264,
  kNvH265,
  kNvAv1,
  kVaH264,
  kVaH265,
  kVaVp9,
  kVaAv1,
  kX265,
  kSvtAv1,
  kAomAv1,
  kRav1e,
};

struct EncoderEntry {
  std::string_view name;   // the SELKIES_ENCODER value
  std::string_view codec;  // RTP encoding name: H264, H265, VP8, VP9 or AV1
  bool hardware;           // needs an NVIDIA (nv*) or a VA-API (va*) GPU
  // Tried when this one cannot run (startup probe, runtime failover); empty: end of the chain.
  std::string_view next;
  ProfileBuilder builder;
};

// Selkies 1.6's names, in Selkies' order. A GPU encoder falls back to VA H.264 (same GPU id),
// then to x264enc, which every browser decodes; a software encoder falls back to x264enc.
inline constexpr std::array<EncoderEntry, 15> kEncoders = {{
    {"nvh264enc", "H264", true, "vah264enc", ProfileBuilder::kNvH264},
    {"nvh265enc", "H265", true, "vah264enc", ProfileBuilder::kNvH265},
    {"nvav1enc", "AV1", true, "vah264enc", ProfileBuilder::kNvAv1},
    {"vah264enc", "H264", true, "x264enc", ProfileBuilder::kVaH264},
    {"vah265enc", "H265", true, "vah264enc", ProfileBuilder::kVaH265},
    {"vavp9enc", "VP9", true, "vah264enc", ProfileBuilder::kVaVp9},
    {"vaav1enc", "AV1", true, "vah264enc", ProfileBuilder::kVaAv1},
    {"x264enc", "H264", false, "", ProfileBuilder::kX264},
    {"openh264enc", "H264", false, "x264enc", ProfileBuilder::kOpenH264},
    {"x265enc", "H265", false, "x264enc", ProfileBuilder::kX265},
    {"vp8enc", "VP8", false, "x264enc", ProfileBuilder::kVp8},
    {"vp9enc", "VP9", false, "x264enc", ProfileBuilder::kVp9},
    {"svtav1enc", "AV1", false, "x264enc", ProfileBuilder::kSvtAv1},
    {"av1enc", "AV1", false, "x264enc", ProfileBuilder::kAomAv1},
    {"rav1enc", "AV1", false, "x264enc", ProfileBuilder::kRav1e},
}};

// The row of `name` (exact, lower-case), nullptr for a name deskstream does not know.
constexpr const EncoderEntry* findEncoder(std::string_view name) {
  for (const auto& e : kEncoders) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// The codec `name` produces; empty for a name deskstream does not know.
constexpr std::string_view codecOf(std::string_view name) {
  const EncoderEntry* e = findEncoder(name);
  return e != nullptr ? e->codec : std::string_view{};
}

}  // namespace ds::media
