// InputSession: one per peer `input` data channel. Parses and validates every message, injects
// input through the Desktop, and sends the server → client JSON messages of docs/protocol-input.md
// ("Server → client").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "input/desktop.hpp"
#include "input/protocol.hpp"

namespace ds::input {

// What the input module asks of the rest of the server (implemented in app/).
class Controls {
 public:
  virtual ~Controls() = default;
  virtual void setVideoBitrate(int kbps) = 0;               // vb
  virtual void setAudioBitrate(int bps) = 0;                // ab
  virtual void setFramerate(int fps) = 0;                   // _arg_fps
  virtual void setPointerVisible(bool visible) = 0;         // p
  virtual void onScreenResized(int width, int height) = 0;  // after a successful XRandR resize
  // Optional hooks (metrics, JSON config persistence); no-ops by default.
  virtual void onResizeEnabled(bool /*enabled*/) {}            // _arg_resize
  virtual void onClientFps(int /*fps*/) {}                     // _f
  virtual void onClientLatency(int /*ms*/) {}                  // _l
  virtual void onClientStats(const ClientStats& /*stats*/) {}  // _stats_*
  virtual void onPingLatency(double /*ms*/) {}                 // pong
  // The streamed picture's width over the screen's: below 1 while the network shrinks the
  // encode. Absolute pointer positions arrive in the picture's pixels and are divided by it.
  virtual double pictureScale() const { return 1.0; }
  // js: a controlling peer's gamepad message; an error is logged (rate-limited) as ignored.
  virtual Status onGamepad(const Gamepad& /*message*/) { return fail("gamepads are off"); }
};

// Values sent in the `system` messages on channel open.
struct SystemInfo {
  int framerate = 60;
  int video_bitrate_kbps = 8000;
  int audio_bitrate_bps = 128000;
  std::string encoder;
};

class InputSession : private Desktop::Listener {
 public:
  using Send = std::function<void(std::string text)>;
  // can_control=false (a viewer): input, clipboard, resize, scale, bitrate/framerate and
  // pointer-visibility messages are dropped; pong and client statistics are still accepted, and
  // cursor images are still sent. The host clipboard is never sent to viewers.
  InputSession(Desktop& desktop, Controls& controls, Send send, bool can_control);
  ~InputSession() override;  // releases every key and button this peer holds
  InputSession(const InputSession&) = delete;
  InputSession& operator=(const InputSession&) = delete;

  // Sends framerate, video_bitrate, audio_bitrate, resize, encoder `system` messages, then the
  // current cursor, and starts the 1 Hz ping timer on the default GMainContext.
  void onOpen(const SystemInfo& info);
  // Never throws; invalid messages are ignored with a rate-limited log line.
  void onMessage(std::string_view text);
  // From now on behave as a viewer (can_control=false): releases every key and button this
  // peer holds, then drops its input like a viewer's (and tells a client that sent
  // `_ds_network,1` with a `role` message). There is no way back on this channel.
  void demote();
  bool canControl() const { return can_control_; }
  // Sends a `ping` now (the timer started by onOpen calls this every second).
  void sendPing();
  // Sends a server figures message (`system_stats`, `gpu_stats`) once the channel is open.
  void sendServerStats(const std::string& message);
  // Sends a `network` status message if this client asked for them and it differs from the last.
  void sendNetworkStatus(const std::string& message);
  // Sends a `system` message for a setting another peer changed (`action`: "video_bitrate,3000"),
  // to deskstream's own client only (one that sent `_ds_network,1`): its panel shows the current
  // values. Selkies' client would send each announced value back as its own change.
  void announceSetting(std::string_view action);

  int heldKeyCount() const { return static_cast<int>(held_keys_.size()); }
  uint32_t buttonMask() const { return button_mask_; }

 private:
  void onHostClipboard(const std::string& utf8_text) override;
  void onHostCursor(const std::string& cursor_json) override;
  void handle(const Message& message);
  void handleMouse(const Mouse& mouse);
  // A position in the streamed picture's pixels, in the screen's (Controls::pictureScale).
  int toScreen(int v) const;
  void handleResize(Size size);
  void sendClipboard(const std::string& utf8_text);
  void releaseAll();
  void reject(std::string_view text, std::string_view reason);

  Desktop& desktop_;
  Controls& controls_;
  Send send_;
  bool can_control_;
  bool open_ = false;
  bool network_status_ = false;  // the client asked for `network` messages
  std::string last_network_status_;
  std::map<uint32_t, unsigned> held_keys_;  // keysym -> keycode pressed for it
  uint32_t button_mask_ = 0;
  double last_ping_ = 0;
  unsigned ping_timer_ = 0;
  // Rate limit for the "ignored message" log line: kLogBurst lines per kLogWindow.
  std::chrono::steady_clock::time_point log_window_start_{};
  int log_count_ = 0;
  int log_suppressed_ = 0;
};

}  // namespace ds::input
