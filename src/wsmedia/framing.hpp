// The binary frames of the WebSocket media transport (docs/protocol-websocket.md). Each binary
// WebSocket message from the server is one encoded video access unit or audio packet behind a
// fixed 20-byte big-endian header. Pure: no sockets, no GStreamer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ds::wsmedia {

enum class Kind : uint8_t { kVideo = 1, kAudio = 2 };
enum class Codec : uint8_t { kH264 = 1, kVp8 = 2, kVp9 = 3, kH265 = 4, kAv1 = 5, kOpus = 16 };

inline constexpr uint8_t kFlagKeyframe = 0x01;
inline constexpr size_t kHeaderBytes = 20;
// Largest payload we frame (a 4K keyframe at a high bitrate stays far below this).
inline constexpr size_t kMaxPayloadBytes = 16 * 1024 * 1024;

struct FrameHeader {
  Kind kind = Kind::kVideo;
  bool keyframe = false;
  Codec codec = Codec::kH264;
  uint32_t seq = 0;           // per socket, +1 per binary message, wraps at 2^32
  uint64_t timestamp_us = 0;  // presentation time of the frame, microseconds
  uint16_t width = 0;         // video only (0 = unknown)
  uint16_t height = 0;
};

// Header then payload, as one message. Fails when the payload exceeds kMaxPayloadBytes.
Result<std::string> encodeFrame(const FrameHeader& header, std::string_view payload);

struct Frame {
  FrameHeader header;
  std::string_view payload;  // points into the decoded message
};

// The inverse of encodeFrame (used by tests and tools; the browser has its own parser). Refuses
// a short message, an unknown kind or codec, and a header length other than kHeaderBytes.
Result<Frame> decodeFrame(std::string_view message);

// "H264" -> kH264 etc. (the RTP encoding-name of the tee's caps); nullopt-like error otherwise.
Result<Codec> codecFromEncodingName(std::string_view encoding_name);
// The name the client sees in MEDIA_OK: "h264", "vp8", "vp9", "h265", "av1", "opus".
std::string_view codecName(Codec codec);

// The client's acknowledgement "ACK <seq>" (decimal, 0..2^32-1); an error for anything else
// that starts with "ACK".
Result<uint32_t> parseAck(std::string_view text);
inline bool isAck(std::string_view text) { return text.rfind("ACK ", 0) == 0; }

}  // namespace ds::wsmedia
