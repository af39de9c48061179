// The `input` data-channel grammar (docs/protocol-input.md): a pure parser from the client's
// comma-separated text to typed messages, the JSON builders for server → client messages, and the
// button-mask diffing. No X, no GLib: everything here is unit-tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "input/client_stats.hpp"  // ClientStats: `_stats_video` / `_stats_audio`

namespace ds::input {

// Client → server.
struct KeyDown {
  uint32_t keysym;
};
struct KeyUp {
  uint32_t keysym;
};
struct KeyReset {};
// `m,x,y,mask[,mag]` (absolute, remote pixels) or `m2,dx,dy,mask[,mag]` (relative).
struct Mouse {
  bool relative;
  int x;
  int y;
  uint32_t mask;      // bit0 left, bit1 middle, bit2 right, bit3 wheel down, bit4 wheel up,
                      // bit5 wheel left, bit6 wheel right (bits 5/6 are a deskstream extension)
  int magnitude = 1;  // wheel repeat count, clamped to 1..10
};
struct PointerVisible {
  bool visible;
};
struct VideoBitrate {
  int kbps;
};
struct AudioBitrate {
  int bps;
};
struct Framerate {
  int fps;
};
struct Size {
  int width;
  int height;
  bool operator==(const Size&) const = default;
};
struct ResizeToggle {
  bool enabled;
  std::optional<Size> size;  // absent when the WxH field is malformed (the toggle still applies)
};
struct Resize {
  Size size;  // already rounded up to even
};
struct Scale {
  double scale;  // 0.75..2.5
};
struct ClipboardRead {};
struct ClipboardWrite {
  std::string text;  // decoded, valid UTF-8
};
// `js,c,<index>,<base64 name>,<axes>,<buttons>`, `js,d,<index>`, `js,b,<index>,<button>,<value>`,
// `js,a,<index>,<axis>,<value>` (gst-web's Gamepad API polling; docs/protocol-input.md).
struct Gamepad {
  enum class Kind { kConnect, kDisconnect, kButton, kAxis };
  Kind kind = Kind::kConnect;
  int index = 0;     // 0..kMaxGamepads-1
  int number = 0;    // button 0..kMaxGamepadButtons-1 or axis 0..kMaxGamepadAxes-1
  double value = 0;  // finite; buttons 0..1, axes -1..1 from a browser (range checked later)
  std::string name;  // connect: the browser's gamepad id, at most 255 characters
  int axes = 0;      // connect: counts the browser reports, 0..kMaxGamepadAxes
  int buttons = 0;   // connect: 0..kMaxGamepadButtons
};
struct Pong {
  double client_time;
};
struct ClientFps {
  int fps;
};
struct ClientLatency {
  int ms;
};

// `_ds_network,1|0`: deskstream's own client asks for `network` status messages (the upstream
// client never sends it, so it never receives a message type it does not know).
struct NetworkStatusRequest {
  bool on;
};

using Message =
    std::variant<KeyDown, KeyUp, KeyReset, Mouse, PointerVisible, VideoBitrate, AudioBitrate,
                 Framerate, ResizeToggle, Resize, Scale, ClipboardRead, ClipboardWrite, Gamepad,
                 Pong, ClientFps, ClientLatency, ClientStats, NetworkStatusRequest>;

// Limits applied by the parser.
inline constexpr int kMaxCoordinate = 32767;       // |x|,|y| for m and m2
inline constexpr int kMaxResizeDimension = 16384;  // per side for r and _arg_resize
inline constexpr int kMinResizeDimension = 64;
inline constexpr size_t kMaxClipboardWriteBytes = 16 * 1024 * 1024;
inline constexpr int kMaxGamepads = 4;          // browser gamepad indexes 0..3
inline constexpr int kMaxGamepadButtons = 512;  // Linux joystick API limits
inline constexpr int kMaxGamepadAxes = 64;

// Parses one data-channel message. Unknown types, wrong field counts, non-numbers and out-of-range
// values are errors with a short reason. Gamepad points into `text`.
Result<Message> parseMessage(std::string_view text);

// True for messages a view-only peer may still send (pong and client statistics).
bool allowedForViewer(const Message& message);

// Parses `WxH` (1-7 digits per side), rounding each side up to even. Range is checked apart, by
// validateSize, so that the peer can be told why a syntactically valid size was refused.
Result<Size> parseSize(std::string_view text);
Status validateSize(Size size);

// The DPI for a browser scale (the `s` message, HELLO's meta scale), as Selkies computes it:
// 96 × scale truncated, for a scale in 0.75..2.5; outside it, an error.
Result<int> dpiForScale(double scale);

// Server → client JSON messages.
std::string systemMessage(std::string_view action);  // {"type":"system","data":{"action":...}}
// The `system` actions that announce a setting: "framerate,30", "video_bitrate,8000" (kbit/s),
// "audio_bitrate,128000" (bit/s), "resize,True" (on channel open, and to deskstream's pages
// when another peer changes one).
enum class Setting { kFramerate, kVideoBitrate, kAudioBitrate };
std::string settingAction(Setting setting, int value);
std::string resizeAction(bool enabled);
std::string pipelineMessage(std::string_view status);
std::string clipboardMessage(std::string_view utf8_text);  // base64-encodes the text
std::string pingMessage(double epoch_seconds);
std::string latencyMessage(double latency_ms);
// Selkies' 1 Hz server figures: CPU use in percent (one decimal, like psutil), memory in bytes;
// GPU load 0..1 and its memory in MiB.
std::string systemStatsMessage(double cpu_percent, uint64_t mem_total, uint64_t mem_used);
// deskstream's `network` message: whether congestion control holds the shared encode below the
// configured quality, and what it runs at.
std::string networkStatusMessage(bool limited, int video_kbps, int framerate,
                                 int scale_percent = 100);
// deskstream's `role` message, to clients that sent `_ds_network,1` (deskstream's own page):
// {"type":"role","data":{"role":"control"|"view"}}; the page shows its settings read-only for a
// viewer (the server drops a viewer's settings messages whatever the page shows).
std::string roleMessage(bool can_control);
std::string gpuStatsMessage(double load, double memory_total_mib, double memory_used_mib);
std::string cursorMessage(std::string_view png, uint64_t serial, bool transparent, int hot_x,
                          int hot_y);

// One button transition derived from two masks. Button numbers are X buttons (1..7).
struct ButtonEvent {
  int button;
  bool pressed;
  bool operator==(const ButtonEvent&) const = default;
};
// Presses/releases for bits that changed between `previous` and `current`. A wheel bit that turns
// on yields `magnitude` press+release pairs (the wheel is never left "held").
std::vector<ButtonEvent> diffButtons(uint32_t previous, uint32_t current, int magnitude);

bool isValidUtf8(std::string_view text);

}  // namespace ds::input
