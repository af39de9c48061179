#include "input/session.hpp"

#include <glib.h>

#include <cmath>
#include <exception>

#include "core/log.hpp"

namespace ds::input {
namespace {

constexpr int kLogBurst = 5;
constexpr auto kLogWindow = std::chrono::seconds(10);
constexpr int kButtonBits = 0x7;  // left, middle, right: the bits that stay "held"

// AltGr-style level shifts are not injected: the browser has already applied them to the
// keysyms it sends, and holding them on the server would move those keysyms to level 3 or 5.
bool isLevelShift(uint32_t keysym) {
  return keysym == 0xfe03 /* ISO_Level3_Shift */ || keysym == 0xff7e /* Mode_switch */ ||
         keysym == 0xfe11 /* ISO_Level5_Shift */;
}

double epochSeconds() { return static_cast<double>(g_get_real_time()) / 1e6; }

gboolean onPingTimer(gpointer self) {
  try {
    static_cast<InputSession*>(self)->sendPing();
  } catch (const std::exception& e) {
    log::error("input", std::string("ping failed: ") + e.what());
  }
  return G_SOURCE_CONTINUE;
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 48)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (text.size() > 48) out += "...";
  return out;
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

InputSession::InputSession(Desktop& desktop, Controls& controls, Send send, bool can_control)
    : desktop_(desktop), controls_(controls), send_(std::move(send)), can_control_(can_control) {
  desktop_.addListener(this);
}

InputSession::~InputSession() {
  if (ping_timer_ != 0) g_source_remove(ping_timer_);
  desktop_.removeListener(this);
  try {
    releaseAll();
    desktop_.processEvents();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing may escape a destructor
  }
}

void InputSession::releaseAll() {
  for (const auto& [keysym, keycode] : held_keys_) desktop_.releaseKey(keycode);
  held_keys_.clear();
  for (int bit = 0; bit < 3; ++bit) {
    if ((button_mask_ & (1u << bit)) != 0) desktop_.button(bit + 1, false);
  }
  button_mask_ = 0;
}

void InputSession::demote() {
  if (!can_control_) return;
  can_control_ = false;
  releaseAll();
  desktop_.processEvents();
  if (open_ && network_status_) send_(roleMessage(false));
}

void InputSession::onOpen(const SystemInfo& info) {
  open_ = true;
  send_(systemMessage(settingAction(Setting::kFramerate, info.framerate)));
  send_(systemMessage(settingAction(Setting::kVideoBitrate, info.video_bitrate_kbps)));
  send_(systemMessage(settingAction(Setting::kAudioBitrate, info.audio_bitrate_bps)));
  send_(systemMessage(resizeAction(desktop_.resizeEnabled())));
  send_(systemMessage("encoder," + info.encoder));
  if (auto cursor = desktop_.currentCursorMessage()) send_(*cursor);
  if (ping_timer_ == 0) ping_timer_ = g_timeout_add_seconds(1, &onPingTimer, this);
}

void InputSession::sendPing() {
  last_ping_ = epochSeconds();
  send_(pingMessage(last_ping_));
}

void InputSession::sendServerStats(const std::string& message) {
  if (open_) send_(message);
}

void InputSession::sendNetworkStatus(const std::string& message) {
  if (!open_ || !network_status_ || message == last_network_status_) return;
  last_network_status_ = message;
  send_(message);
}

void InputSession::announceSetting(std::string_view action) {
  if (open_ && network_status_) send_(systemMessage(action));
}

void InputSession::onMessage(std::string_view text) {
  try {
    auto message = parseMessage(text);
    if (!message) {
      reject(text, message.error().message);
      return;
    }
    if (!can_control_ && !allowedForViewer(*message)) {
      reject(text, "view-only peer");
      return;
    }
    handle(*message);
    desktop_.processEvents();
  } catch (const std::exception& e) {
    reject(text, std::string("internal error: ") + e.what());
  }
}

void InputSession::handle(const Message& message) {
  std::visit(Overloaded{
                 [&](const KeyDown& m) {
                   if (isLevelShift(m.keysym)) return;
                   if (auto held = held_keys_.find(m.keysym); held != held_keys_.end()) {
                     desktop_.repeatKey(held->second);
                     return;
                   }
                   auto keycode = desktop_.pressKey(m.keysym);
                   if (!keycode) {
                     reject("kd," + std::to_string(m.keysym), keycode.error().message);
                     return;
                   }
                   held_keys_[m.keysym] = *keycode;
                 },
                 [&](const KeyUp& m) {
                   auto held = held_keys_.find(m.keysym);
                   if (held == held_keys_.end()) return;  // never pressed (or already released)
                   desktop_.releaseKey(held->second);
                   held_keys_.erase(held);
                 },
                 [&](const KeyReset&) {
                   for (const auto& [keysym, keycode] : held_keys_) desktop_.releaseKey(keycode);
                   held_keys_.clear();
                   desktop_.releaseStrayModifiers();
                 },
                 [&](const Mouse& m) { handleMouse(m); },
                 // The acknowledgements are Selkies' `pipeline` status texts (gst-web logs them).
                 [&](const PointerVisible& m) {
                   controls_.setPointerVisible(m.visible);
                   send_(pipelineMessage(std::string("Set pointer visibility to: ") +
                                         (m.visible ? "1" : "0")));
                 },
                 [&](const VideoBitrate& m) {
                   controls_.setVideoBitrate(m.kbps);
                   send_(pipelineMessage("Video bitrate set to: " + std::to_string(m.kbps)));
                 },
                 [&](const AudioBitrate& m) {
                   controls_.setAudioBitrate(m.bps);
                   send_(pipelineMessage("Audio bitrate set to: " + std::to_string(m.bps)));
                 },
                 [&](const Framerate& m) { controls_.setFramerate(m.fps); },
                 [&](const ResizeToggle& m) {
                   desktop_.setResizeEnabled(m.enabled);
                   controls_.onResizeEnabled(m.enabled);
                   if (m.enabled && m.size) handleResize(*m.size);
                 },
                 [&](const Resize& m) {
                   if (!desktop_.resizeEnabled()) {
                     reject("r", "resize is disabled");
                     return;
                   }
                   handleResize(m.size);
                 },
                 [&](const Scale& m) {
                   if (!desktop_.resizeEnabled()) {  // as Selkies: DPI follows resize only
                     reject("s", "resize is disabled, DPI not changed");
                     return;
                   }
                   if (auto s = desktop_.setScale(m.scale); !s) reject("s", s.error().message);
                 },
                 [&](const ClipboardRead&) {
                   if (!clipboardOut(desktop_.options().clipboard)) {
                     reject("cr", "host-to-browser clipboard is disabled");
                     return;
                   }
                   desktop_.requestClipboard(this);
                 },
                 [&](const ClipboardWrite& m) {
                   if (!clipboardIn(desktop_.options().clipboard)) {
                     reject("cw", "browser-to-host clipboard is disabled");
                     return;
                   }
                   desktop_.setClipboard(m.text);
                 },
                 [&](const Gamepad& m) {
                   if (auto s = controls_.onGamepad(m); !s) reject("js", s.error().message);
                 },
                 [&](const Pong&) {
                   if (last_ping_ == 0) return;
                   const double latency_ms = (epochSeconds() - last_ping_) / 2.0 * 1000.0;
                   send_(latencyMessage(latency_ms));
                   controls_.onPingLatency(latency_ms);
                 },
                 [&](const ClientFps& m) { controls_.onClientFps(m.fps); },
                 [&](const ClientLatency& m) { controls_.onClientLatency(m.ms); },
                 [&](const ClientStats& m) { controls_.onClientStats(m); },
                 [&](const NetworkStatusRequest& m) {
                   network_status_ = m.on;
                   last_network_status_.clear();  // the next status goes out whatever it is
                   // deskstream's own page: it also learns whether its settings apply.
                   if (m.on) send_(roleMessage(can_control_));
                 },
             },
             message);
}

int InputSession::toScreen(int v) const {
  const double scale = controls_.pictureScale();
  if (!(scale > 0.0 && scale < 1.0)) return v;  // full size (or nonsense: taken as full size)
  return static_cast<int>(std::lround(v / scale));
}

void InputSession::handleMouse(const Mouse& m) {
  if (m.relative) {
    desktop_.movePointerBy(m.x, m.y);
  } else if (auto moved = desktop_.movePointer(toScreen(m.x), toScreen(m.y)); !moved) {
    reject("m", moved.error().message);
    return;
  }
  for (const ButtonEvent& e : diffButtons(button_mask_, m.mask, m.magnitude)) {
    desktop_.button(e.button, e.pressed);
  }
  // Wheel bits are one-shot: a later message with the bit set scrolls again.
  button_mask_ = m.mask & kButtonBits;
}

void InputSession::handleResize(Size size) {
  if (auto valid = validateSize(size); !valid) {
    log::warn("input", "resize refused: " + valid.error().message);
    send_(pipelineMessage("Error: resize refused: " + valid.error().message));
    return;
  }
  auto resized = desktop_.resize(size);
  if (!resized) {
    log::warn("input", "resize refused: " + resized.error().message);
    send_(pipelineMessage("Error: resize refused: " + resized.error().message));
    return;
  }
  controls_.onScreenResized(resized->width, resized->height);
  send_(systemMessage("resolution," + std::to_string(resized->width) + "x" +
                      std::to_string(resized->height)));
}

void InputSession::onHostClipboard(const std::string& utf8_text) {
  try {
    sendClipboard(utf8_text);
  } catch (const std::exception& e) {
    log::error("input", std::string("clipboard send failed: ") + e.what());
  }
}

void InputSession::sendClipboard(const std::string& utf8_text) {
  if (!open_ || !can_control_ || !clipboardOut(desktop_.options().clipboard)) return;
  if (utf8_text.empty()) return;
  const size_t base64_size = (utf8_text.size() + 2) / 3 * 4;
  const size_t limit = desktop_.options().clipboard_max_base64;
  if (base64_size > limit) {
    const std::string why = "Clipboard not sent: the host clipboard holds " +
                            std::to_string(utf8_text.size()) + " bytes, over the " +
                            std::to_string(limit / 4 * 3) + "-byte limit of one message";
    log::warn("input", why);
    send_(pipelineMessage(why));
    return;
  }
  send_(clipboardMessage(utf8_text));
}

void InputSession::onHostCursor(const std::string& cursor_json) {
  try {
    if (open_) send_(cursor_json);
  } catch (const std::exception& e) {
    log::error("input", std::string("cursor send failed: ") + e.what());
  }
}

void InputSession::reject(std::string_view text, std::string_view reason) {
  const auto now = std::chrono::steady_clock::now();
  if (now - log_window_start_ > kLogWindow) {
    if (log_suppressed_ > 0) {
      log::warn("input", std::to_string(log_suppressed_) + " more ignored messages not logged");
    }
    log_window_start_ = now;
    log_count_ = 0;
    log_suppressed_ = 0;
  }
  if (++log_count_ > kLogBurst) {
    ++log_suppressed_;
    return;
  }
  log::warn("input", "ignored '" + printable(text) + "': " + std::string(reason));
}

}  // namespace ds::input
