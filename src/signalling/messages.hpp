// The Selkies signalling protocol (gst-examples "1-1 call" dialect), browser side.
// Text frames: "HELLO <uid> [base64(JSON meta)]", then JSON {"sdp":{type,sdp}} / {"ice":{...}}.
// Pure: no sockets, no GStreamer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.hpp"

namespace ds::signalling {

// Largest signalling frame we accept; an SDP answer from Chromium is ~3-6 KB.
inline constexpr size_t kMaxMessageBytes = 64 * 1024;

struct ClientMeta {
  int width = 0;  // 0 = unknown
  int height = 0;
  // The browser's devicePixelRatio, when the meta has a non-zero number (Selkies applies it
  // only then); its range is checked where it is applied (input::dpiForScale).
  std::optional<double> scale;
};

struct Hello {
  std::string uid;
  ClientMeta meta;
};
struct SessionDescription {
  std::string type;  // "offer" or "answer"
  std::string sdp;
};
struct IceCandidate {
  std::string candidate;  // "candidate:..." or "" (end of candidates)
  int mline_index = 0;
  std::string mid;
};

using ClientMessage = std::variant<Hello, SessionDescription, IceCandidate>;

// Parses one text frame from a browser; the error says what is wrong with it.
Result<ClientMessage> parseClientMessage(std::string_view text);

// Parses the base64 JSON meta of HELLO ({"res":"WxH","scale":1.5}); tolerant of missing fields.
Result<ClientMeta> parseMeta(std::string_view base64);

std::string encodeOffer(std::string_view sdp);
std::string encodeIce(std::string_view candidate, int mline_index);

}  // namespace ds::signalling
