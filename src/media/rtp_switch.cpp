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

}  // namespace

bool switchableCodec(const std::string& codec) { return codec == "H264" || codec == "VP8"; }

bool startsKeyframe(const std::string& codec, const uint8_t* payload, size_t size) {
  if (payload == nullptr) return false;
  if (codec == "H264") return h264StartsKeyframe(payload, size);
  if (codec == "VP8") return vp8StartsKeyframe(payload, size);
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
