#include "wsmedia/framing.hpp"

#include <algorithm>
#include <cctype>

namespace ds::wsmedia {
namespace {

void put(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t get(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

bool knownCodec(uint8_t c) {
  switch (static_cast<Codec>(c)) {
    case Codec::kH264:
    case Codec::kVp8:
    case Codec::kVp9:
    case Codec::kH265:
    case Codec::kAv1:
    case Codec::kOpus:
      return true;
  }
  return false;
}

}  // namespace

Result<std::string> encodeFrame(const FrameHeader& h, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return fail("frame of " + std::to_string(payload.size()) + " bytes exceeds the " +
                std::to_string(kMaxPayloadBytes) + "-byte limit");
  }
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  out.push_back(static_cast<char>(h.kind));
  out.push_back(static_cast<char>(h.keyframe ? kFlagKeyframe : 0));
  out.push_back(static_cast<char>(h.codec));
  out.push_back(static_cast<char>(kHeaderBytes));
  put(out, h.seq, 4);
  put(out, h.timestamp_us, 8);
  put(out, h.width, 2);
  put(out, h.height, 2);
  out.append(payload);
  return out;
}

Result<Frame> decodeFrame(std::string_view m) {
  if (m.size() < kHeaderBytes) {
    return fail("frame of " + std::to_string(m.size()) + " bytes is shorter than its header");
  }
  const auto kind = static_cast<uint8_t>(m[0]);
  if (kind != static_cast<uint8_t>(Kind::kVideo) && kind != static_cast<uint8_t>(Kind::kAudio)) {
    return fail("unknown frame kind " + std::to_string(kind));
  }
  if (!knownCodec(static_cast<uint8_t>(m[2]))) {
    return fail("unknown codec " + std::to_string(static_cast<uint8_t>(m[2])));
  }
  if (static_cast<uint8_t>(m[3]) != kHeaderBytes) {
    return fail("header length " + std::to_string(static_cast<uint8_t>(m[3])) + " is not " +
                std::to_string(kHeaderBytes));
  }
  Frame f;
  f.header.kind = static_cast<Kind>(kind);
  f.header.keyframe = (static_cast<uint8_t>(m[1]) & kFlagKeyframe) != 0;
  f.header.codec = static_cast<Codec>(static_cast<uint8_t>(m[2]));
  f.header.seq = static_cast<uint32_t>(get(m, 4, 4));
  f.header.timestamp_us = get(m, 8, 8);
  f.header.width = static_cast<uint16_t>(get(m, 16, 2));
  f.header.height = static_cast<uint16_t>(get(m, 18, 2));
  f.payload = m.substr(kHeaderBytes);
  return f;
}

Result<Codec> codecFromEncodingName(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "H264") return Codec::kH264;
  if (upper == "VP8") return Codec::kVp8;
  if (upper == "VP9") return Codec::kVp9;
  if (upper == "H265") return Codec::kH265;
  if (upper == "AV1") return Codec::kAv1;
  if (upper == "OPUS") return Codec::kOpus;
  return fail("no WebSocket transport for RTP encoding " + std::string(name));
}

Result<uint32_t> parseAck(std::string_view text) {
  if (!isAck(text)) return fail("not an ACK");
  const std::string_view digits = text.substr(4);
  if (digits.empty() || digits.size() > 10) return fail("invalid ACK: bad sequence number");
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return fail("invalid ACK: bad sequence number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return fail("invalid ACK: sequence number out of range");
  return static_cast<uint32_t>(v);
}

std::string_view codecName(Codec codec) {
  switch (codec) {
    case Codec::kH264:
      return "h264";
    case Codec::kVp8:
      return "vp8";
    case Codec::kVp9:
      return "vp9";
    case Codec::kH265:
      return "h265";
    case Codec::kAv1:
      return "av1";
    case Codec::kOpus:
      return "opus";
  }
  return "unknown";
}

}  // namespace ds::wsmedia
