#include "media/rtp_switch.hpp"

namespace ds::media {
namespace {

constexpr uint8_t kH264Sps = 7;
constexpr uint8_t kH264StapA = 24;

bool h264StartsKeyframe(const uint8_t* p, size_t size) {
  if (size < 1) return false;
  const uint8_t type = p[0] & 0x1f;
  if (type == kH264Sps) return true;
  // STAP-A: the NAL header, then (16-bit size, NAL unit) pairs; the first unit must be the SPS.
  return type == kH264StapA && size >= 4 && (p[3] & 0x1f) == kH264Sps;
}

// RFC 7741: the payload descriptor (with its optional extension), then the VP8 payload header
// whose lowest bit is 0 for a key frame.
bool vp8StartsKeyframe(const uint8_t* p, size_t size) {
  if (size < 1) return false;
  const bool extended = (p[0] & 0x80) != 0;
  const bool start = (p[0] & 0x10) != 0;
  const int partition = p[0] & 0x07;
  if (!start || partition != 0) return false;
  size_t at = 1;
  if (extended) {
    if (size < 2) return false;
    const uint8_t x = p[1];
    at = 2;
    if ((x & 0x80) != 0) {  // I: picture id, 7 or 15 bits
      if (size <= at) return false;
      at += (p[at] & 0x80) != 0 ? 2 : 1;
    }
    if ((x & 0x40) != 0) at += 1;  // L: TL0PICIDX
    if ((x & 0x30) != 0) at += 1;  // T or K: TID/KEYIDX
  }
  return size > at && (p[at] & 0x01) == 0;
}

constexpr uint8_t kH265Vps = 32;
constexpr uint8_t kH265Ap = 48;

// RFC 7798: a 2-byte payload header whose type is bits 1-6 of the first byte. A keyframe the
// payloader (config-interval -1) sends with its parameter sets begins with the VPS (which comes
// before the SPS and PPS in a coded video sequence), alone or first in an aggregation packet
// (header, 16-bit size, NAL unit; no DONL: sprop-max-don-diff is 0 here).
bool h265StartsKeyframe(const uint8_t* p, size_t size) {
  if (size < 2) return false;
  auto isVps = [](uint8_t header) { return ((header >> 1) & 0x3f) == kH265Vps; };
  if (((p[0] >> 1) & 0x3f) == kH265Ap) return size >= 6 && isVps(p[4]);
  return isVps(p[0]);
}

// RFC 9628: the payload descriptor's first byte is I P L F B E V Z. The first packet of a frame
// (B) that is not inter-picture predicted (P clear) begins a key frame; with one spatial layer
// that is where a decoder (and a new picture size, in its scalability structure) can start.
bool vp9StartsKeyframe(const uint8_t* p, size_t size) {
  if (size < 1) return false;
  const bool inter = (p[0] & 0x40) != 0;
  const bool begins = (p[0] & 0x08) != 0;
  return begins && !inter;
}

}  // namespace

bool switchableCodec(const std::string& codec) {
  return codec == "H264" || codec == "VP8" || codec == "H265" || codec == "VP9";
}

bool startsKeyframe(const std::string& codec, const uint8_t* payload, size_t size) {
  if (payload == nullptr) return false;
  if (codec == "H264") return h264StartsKeyframe(payload, size);
  if (codec == "VP8") return vp8StartsKeyframe(payload, size);
  if (codec == "H265") return h265StartsKeyframe(payload, size);
  if (codec == "VP9") return vp9StartsKeyframe(payload, size);
  return false;
}

RtpSwitch::Verdict RtpSwitch::onPacket(uint16_t seq, bool keyframe_start) {
  if (waiting_) {
    if (!keyframe_start) {
      ++dropped_;
      return {false, 0};
    }
    waiting_ = false;
    if (sent_any_) offset_ = static_cast<uint16_t>(last_sent_ + 1 - seq);
  }
  const auto out = static_cast<uint16_t>(seq + offset_);
  last_sent_ = out;
  sent_any_ = true;
  return {true, out};
}

}  // namespace ds::media
