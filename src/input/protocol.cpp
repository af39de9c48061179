#include "input/protocol.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace ds::input {
namespace {

using Fields = std::vector<std::string_view>;

Result<int64_t> intField(const Fields& f, size_t i, int64_t lo, int64_t hi, const char* what) {
  const auto v = parseInt(f[i]);
  if (!v) return fail(std::string(what) + " is not an integer");
  if (*v < lo || *v > hi) return fail(std::string(what) + " out of range");
  return *v;
}

Status expectFields(const Fields& f, size_t min, size_t max) {
  if (f.size() < min || f.size() > max) {
    return fail("'" + std::string(f[0]) + "' expects " + std::to_string(min - 1) +
                (max != min ? "-" + std::to_string(max - 1) : "") + " fields, got " +
                std::to_string(f.size() - 1));
  }
  return {};
}

std::optional<bool> parseBool(std::string_view s) {
  const std::string lower = toLower(s);
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return std::nullopt;
}

Result<Message> parseKey(const Fields& f, bool down) {
  if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
  auto sym = intField(f, 1, 1, 0x1ffffff, "keysym");
  if (!sym) return fail(sym.error().message);
  const auto keysym = static_cast<uint32_t>(*sym);
  if (down) return Message{KeyDown{keysym}};
  return Message{KeyUp{keysym}};
}

Result<Message> parseMouse(const Fields& f, bool relative) {
  if (auto s = expectFields(f, 4, 5); !s) return fail(s.error().message);
  // Absolute positions outside the screen are clamped to its edge by the Desktop (gst-web sends
  // x = width on the last column), so negative ones are accepted here too.
  auto x = intField(f, 1, -kMaxCoordinate, kMaxCoordinate, "x");
  if (!x) return fail(x.error().message);
  auto y = intField(f, 2, -kMaxCoordinate, kMaxCoordinate, "y");
  if (!y) return fail(y.error().message);
  auto mask = intField(f, 3, 0, 127, "button mask");
  if (!mask) return fail(mask.error().message);
  int magnitude = 1;
  if (f.size() == 5) {
    auto mag = intField(f, 4, -1000, 1000, "magnitude");
    if (!mag) return fail(mag.error().message);
    magnitude = static_cast<int>(std::clamp<int64_t>(std::llabs(*mag), 1, 10));
  }
  return Message{Mouse{relative, static_cast<int>(*x), static_cast<int>(*y),
                       static_cast<uint32_t>(*mask), magnitude}};
}

Result<Message> parseSingleInt(const Fields& f, int64_t lo, int64_t hi, const char* what) {
  if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
  auto v = intField(f, 1, lo, hi, what);
  if (!v) return fail(v.error().message);
  const int n = static_cast<int>(*v);
  if (f[0] == "vb") return Message{VideoBitrate{n}};
  if (f[0] == "ab") return Message{AudioBitrate{n}};
  if (f[0] == "_arg_fps") return Message{Framerate{n}};
  if (f[0] == "_f") return Message{ClientFps{n}};
  return Message{ClientLatency{n}};
}

Result<Message> parseClipboardWrite(const Fields& f) {
  if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
  if (f[1].size() > kMaxClipboardWriteBytes / 3 * 4 + 4) return fail("clipboard text too large");
  auto text = base64Decode(f[1]);
  if (!text) return fail("clipboard data is not base64");
  if (!isValidUtf8(*text)) return fail("clipboard data is not UTF-8");
  return Message{ClipboardWrite{std::move(*text)}};
}

// The browser's gamepad id for the log: at most 255 characters (as Selkies truncates it), bytes
// that are not UTF-8 shown as '?'.
std::string gamepadName(std::string bytes) {
  if (!isValidUtf8(bytes)) {
    for (char& c : bytes) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  size_t chars = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if ((static_cast<unsigned char>(bytes[i]) & 0xc0) == 0x80) continue;  // continuation byte
    if (++chars > 255) {
      bytes.resize(i);
      break;
    }
  }
  return bytes;
}

Result<Message> parseGamepad(const Fields& f) {
  if (f.size() < 2) return fail("gamepad message without command");
  const std::string_view command = f[1];
  Gamepad g{};
  size_t fields = 0;
  if (command == "c") {
    g.kind = Gamepad::Kind::kConnect;
    fields = 6;
  } else if (command == "d") {
    g.kind = Gamepad::Kind::kDisconnect;
    fields = 3;
  } else if (command == "b" || command == "a") {
    g.kind = command == "b" ? Gamepad::Kind::kButton : Gamepad::Kind::kAxis;
    fields = 5;
  } else {
    return fail("unknown gamepad command '" + std::string(command.substr(0, 8)) + "'");
  }
  if (f.size() != fields) {
    return fail("'js," + std::string(command) + "' expects " + std::to_string(fields - 1) +
                " fields, got " + std::to_string(f.size() - 1));
  }
  auto index = intField(f, 2, 0, kMaxGamepads - 1, "gamepad index");
  if (!index) return fail(index.error().message);
  g.index = static_cast<int>(*index);
  if (g.kind == Gamepad::Kind::kConnect) {
    auto name = base64Decode(f[3]);
    if (!name) return fail("gamepad name is not base64");
    g.name = gamepadName(std::move(*name));
    auto axes = intField(f, 4, 0, kMaxGamepadAxes, "gamepad axis count");
    if (!axes) return fail(axes.error().message);
    auto buttons = intField(f, 5, 0, kMaxGamepadButtons, "gamepad button count");
    if (!buttons) return fail(buttons.error().message);
    g.axes = static_cast<int>(*axes);
    g.buttons = static_cast<int>(*buttons);
  } else if (g.kind != Gamepad::Kind::kDisconnect) {
    const bool button = g.kind == Gamepad::Kind::kButton;
    auto number = button ? intField(f, 3, 0, kMaxGamepadButtons - 1, "gamepad button")
                         : intField(f, 3, 0, kMaxGamepadAxes - 1, "gamepad axis");
    if (!number) return fail(number.error().message);
    g.number = static_cast<int>(*number);
    const auto value = parseDouble(f[4]);
    if (!value) return fail("gamepad value is not a number");
    g.value = *value;
  }
  return Message{std::move(g)};
}

}  // namespace

Result<Size> parseSize(std::string_view text) {
  const auto parts = split(text, 'x');
  if (parts.size() != 2) return fail("size is not WxH");
  for (auto part : parts) {
    if (part.empty() || part.size() > 7 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail("size is not WxH");
    }
  }
  const auto w = *parseInt(parts[0]);
  const auto h = *parseInt(parts[1]);
  return Size{static_cast<int>(w + w % 2), static_cast<int>(h + h % 2)};
}

Status validateSize(Size size) {
  if (size.width < kMinResizeDimension || size.height < kMinResizeDimension ||
      size.width > kMaxResizeDimension || size.height > kMaxResizeDimension) {
    return fail("size " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                " is outside " + std::to_string(kMinResizeDimension) + ".." +
                std::to_string(kMaxResizeDimension) + " per side");
  }
  return {};
}

Result<Message> parseMessage(std::string_view text) {
  if (text.empty()) return fail("empty message");
  const size_t comma = text.find(',');
  const std::string_view type = text.substr(0, comma);
  // Stats carry a JSON array with commas of its own: split once.
  if (type == "_stats_video" || type == "_stats_audio") {
    if (comma == std::string_view::npos) return fail("stats without payload");
    auto stats = parseClientStats(type == "_stats_audio", text.substr(comma + 1));
    if (!stats) return fail(stats.error().message);
    return Message{std::move(*stats)};
  }
  const Fields f = split(text, ',');
  if (type == "kd" || type == "ku") return parseKey(f, type == "kd");
  if (type == "kr") {
    if (auto s = expectFields(f, 1, 1); !s) return fail(s.error().message);
    return Message{KeyReset{}};
  }
  if (type == "m" || type == "m2") return parseMouse(f, type == "m2");
  if (type == "p") {
    if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
    auto v = intField(f, 1, 0, 1, "visibility");
    if (!v) return fail(v.error().message);
    return Message{PointerVisible{*v == 1}};
  }
  if (type == "vb") return parseSingleInt(f, 1, 1'000'000, "video bitrate");
  if (type == "ab") return parseSingleInt(f, 1'000, 1'000'000, "audio bitrate");
  if (type == "_arg_fps") return parseSingleInt(f, 1, 240, "framerate");
  if (type == "_f") return parseSingleInt(f, 0, 1000, "fps");
  if (type == "_l") return parseSingleInt(f, 0, 3'600'000, "latency");
  if (type == "r") {
    if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
    auto size = parseSize(f[1]);
    if (!size) return fail(size.error().message);
    return Message{Resize{*size}};
  }
  if (type == "_arg_resize") {
    if (auto s = expectFields(f, 3, 3); !s) return fail(s.error().message);
    const auto enabled = parseBool(f[1]);
    if (!enabled) return fail("resize toggle is not a boolean");
    auto size = parseSize(f[2]);
    return Message{ResizeToggle{*enabled, size ? std::optional<Size>(*size) : std::nullopt}};
  }
  if (type == "s") {
    if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
    const auto v = parseDouble(f[1]);
    if (!v) return fail("scale is not a number");
    if (*v < 0.75 || *v > 2.5) return fail("scale outside 0.75..2.5");
    return Message{Scale{*v}};
  }
  if (type == "cr") {
    if (auto s = expectFields(f, 1, 1); !s) return fail(s.error().message);
    return Message{ClipboardRead{}};
  }
  if (type == "cw") return parseClipboardWrite(f);
  if (type == "js") return parseGamepad(f);
  if (type == "_ds_network") {
    if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
    auto v = intField(f, 1, 0, 1, "network status request");
    if (!v) return fail(v.error().message);
    return Message{NetworkStatusRequest{*v == 1}};
  }
  if (type == "pong") {
    if (auto s = expectFields(f, 2, 2); !s) return fail(s.error().message);
    const auto v = parseDouble(f[1]);
    if (!v) return fail("pong time is not a number");
    return Message{Pong{*v}};
  }
  return fail("unknown message type '" + std::string(type.substr(0, 32)) + "'");
}

bool allowedForViewer(const Message& message) {
  return std::holds_alternative<Pong>(message) || std::holds_alternative<ClientFps>(message) ||
         std::holds_alternative<ClientLatency>(message) ||
         std::holds_alternative<ClientStats>(message) ||
         std::holds_alternative<NetworkStatusRequest>(message);
}

namespace {
std::string typed(const char* type, nlohmann::json data) {
  return nlohmann::json{{"type", type}, {"data", std::move(data)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

std::string systemMessage(std::string_view action) { return typed("system", {{"action", action}}); }
std::string settingAction(Setting setting, int value) {
  switch (setting) {
    case Setting::kFramerate:
      return "framerate," + std::to_string(value);
    case Setting::kVideoBitrate:
      return "video_bitrate," + std::to_string(value);
    case Setting::kAudioBitrate:
      return "audio_bitrate," + std::to_string(value);
  }
  return {};
}
std::string resizeAction(bool enabled) { return enabled ? "resize,True" : "resize,False"; }
std::string pipelineMessage(std::string_view status) {
  return typed("pipeline", {{"status", status}});
}
std::string clipboardMessage(std::string_view utf8_text) {
  return typed("clipboard", {{"content", base64Encode(utf8_text)}});
}
std::string pingMessage(double epoch_seconds) {
  return typed("ping", {{"start_time", std::round(epoch_seconds * 1000.0) / 1000.0}});
}
std::string latencyMessage(double latency_ms) {
  return typed("latency_measurement", {{"latency_ms", std::round(latency_ms * 1000.0) / 1000.0}});
}
std::string networkStatusMessage(bool limited, int video_kbps, int framerate, int scale_percent) {
  return typed("network", {{"limited", limited},
                           {"video_bitrate", video_kbps},
                           {"framerate", framerate},
                           {"scale_percent", scale_percent}});
}
std::string roleMessage(bool can_control) {
  return typed("role", {{"role", can_control ? "control" : "view"}});
}

std::string systemStatsMessage(double cpu_percent, uint64_t mem_total, uint64_t mem_used) {
  return typed("system_stats", {{"cpu_percent", std::round(cpu_percent * 10.0) / 10.0},
                                {"mem_total", mem_total},
                                {"mem_used", mem_used}});
}
std::string gpuStatsMessage(double load, double memory_total_mib, double memory_used_mib) {
  return typed(
      "gpu_stats",
      {{"load", load}, {"memory_total", memory_total_mib}, {"memory_used", memory_used_mib}});
}
std::string cursorMessage(std::string_view png, uint64_t serial, bool transparent, int hot_x,
                          int hot_y) {
  nlohmann::json data{{"curdata", base64Encode(png)},
                      {"handle", serial},
                      {"override", nullptr},
                      {"hotspot", {{"x", hot_x}, {"y", hot_y}}}};
  if (transparent) data["override"] = "none";
  return typed("cursor", std::move(data));
}

Result<int> dpiForScale(double scale) {
  if (!(scale >= 0.75 && scale <= 2.5)) return fail("scale outside 0.75..2.5");
  return static_cast<int>(96.0 * scale);  // Python's int(): toward zero
}

std::vector<ButtonEvent> diffButtons(uint32_t previous, uint32_t current, int magnitude) {
  // As Selkies with gst-web: bit 3 is the wheel turned down (X button 5), bit 4 up (button 4).
  static constexpr int kButtonForBit[] = {1, 2, 3, 5, 4, 6, 7};
  std::vector<ButtonEvent> events;
  const uint32_t changed = previous ^ current;
  for (int bit = 0; bit < 7; ++bit) {
    if ((changed & (1u << bit)) == 0) continue;
    const bool on = (current & (1u << bit)) != 0;
    const int button = kButtonForBit[bit];
    if (bit >= 3) {  // wheel: a click per unit of magnitude when the bit turns on
      if (!on) continue;
      for (int i = 0; i < std::clamp(magnitude, 1, 10); ++i) {
        events.push_back({button, true});
        events.push_back({button, false});
      }
    } else {
      events.push_back({button, on});
    }
  }
  return events;
}

bool isValidUtf8(std::string_view text) {
  size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  while (i < text.size()) {
    const unsigned char c = s[i];
    int extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace ds::input
