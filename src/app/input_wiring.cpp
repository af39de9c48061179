#include "app/input_wiring.hpp"

#include <utility>
#include <vector>

#include "config/json_overlay.hpp"
#include "core/log.hpp"

namespace ds::app {
namespace {

// One peer's Controls: everything goes to the shared InputWiring; the figures its client reports
// also go to the metrics under its connection id.
class PeerControls final : public input::Controls {
 public:
  PeerControls(InputWiring& shared, metrics::Metrics* metrics, gamepad::Gamepads* gamepads,
               int connection, std::unique_ptr<stats::ConnectionCsv> csv)
      : shared_(shared),
        metrics_(metrics),
        gamepads_(gamepads),
        connection_(connection),
        csv_(std::move(csv)) {}
  void setVideoBitrate(int kbps) override {
    shared_.setVideoBitrate(kbps);
    shared_.announceSetting(connection_, input::settingAction(input::Setting::kVideoBitrate, kbps));
  }
  void setAudioBitrate(int bps) override {
    shared_.setAudioBitrate(bps);
    shared_.announceSetting(connection_, input::settingAction(input::Setting::kAudioBitrate, bps));
  }
  void setFramerate(int fps) override {
    shared_.setFramerate(fps);
    shared_.announceSetting(connection_, input::settingAction(input::Setting::kFramerate, fps));
  }
  void setPointerVisible(bool visible) override { shared_.setPointerVisible(visible); }
  void onScreenResized(int width, int height) override { shared_.onScreenResized(width, height); }
  void onResizeEnabled(bool enabled) override {
    shared_.onResizeEnabled(enabled);
    shared_.announceSetting(connection_, input::resizeAction(enabled));
  }
  double pictureScale() const override { return shared_.pictureScale(connection_); }
  void onClientStats(const input::ClientStats& stats) override {
    shared_.onClientStats(stats);
    if (!csv_ && metrics_ == nullptr) return;
    stats::Flat fields;
    fields.reserve(stats.fields.size());
    for (const auto& f : stats.fields) fields.emplace_back(f.name, f.value);
    if (csv_) {
      if (auto st = csv_->add(stats.audio, fields); !st && !csv_error_logged_) {
        csv_error_logged_ = true;  // once per connection: the client decides what it sends
        log::warn("stats", "connection " + std::to_string(connection_) +
                               ": statistics not written: " + st.error().message);
      }
    }
    if (metrics_ != nullptr) metrics_->setWebrtcStatistics(fields);
  }
  void onClientFps(int fps) override {
    shared_.onClientFps(fps);
    if (metrics_ != nullptr) metrics_->setClientFps(connection_, fps);
  }
  void onClientLatency(int ms) override {
    shared_.onClientLatency(ms);
    if (metrics_ != nullptr) metrics_->setClientLatencyMs(connection_, ms);
  }
  void onPingLatency(double ms) override {  // half the round trip (Selkies' latency_measurement)
    shared_.onPingLatency(ms);
    if (metrics_ != nullptr) metrics_->setPingRttMs(connection_, 2 * ms);
  }
  Status onGamepad(const input::Gamepad& m) override {
    if (gamepads_ == nullptr) return fail("gamepads are off");
    using Kind = input::Gamepad::Kind;
    switch (m.kind) {
      case Kind::kConnect:
        return gamepads_->connect(connection_, m.index, m.name, m.axes, m.buttons);
      case Kind::kDisconnect:
        return gamepads_->disconnect(connection_, m.index);
      case Kind::kButton:
        return gamepads_->button(connection_, m.index, m.number, m.value);
      case Kind::kAxis:
        return gamepads_->axis(connection_, m.index, m.number, m.value);
    }
    return fail("unknown gamepad message");
  }
  // The peer left or lost control: its gamepads go, as Selkies stops them when its peer leaves.
  void releaseGamepads() {
    if (gamepads_ != nullptr) gamepads_->release(connection_);
  }

 private:
  InputWiring& shared_;
  metrics::Metrics* metrics_;
  gamepad::Gamepads* gamepads_;
  int connection_;
  std::unique_ptr<stats::ConnectionCsv> csv_;  // SELKIES_ENABLE_WEBRTC_STATISTICS
  bool csv_error_logged_ = false;
};

class InputChannel final : public session::ChannelHandler {
 public:
  InputChannel(input::Desktop& desktop, InputWiring& wiring, metrics::Metrics* metrics,
               gamepad::Gamepads* gamepads, int connection, std::function<void(std::string)> send,
               bool can_control, input::SystemInfo info, std::unique_ptr<stats::ConnectionCsv> csv)
      : wiring_(wiring),
        controls_(wiring, metrics, gamepads, connection, std::move(csv)),
        session_(desktop, controls_, std::move(send), can_control),
        info_(std::move(info)),
        metrics_(metrics),
        connection_(connection) {
    wiring_.addSession(&session_, connection_);
  }
  ~InputChannel() override {
    try {
      controls_.releaseGamepads();
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing may escape a destructor
    }
    wiring_.removeSession(&session_);
    if (metrics_ != nullptr) metrics_->removeConnection(connection_);
  }
  void onOpen() override { session_.onOpen(info_); }
  void onMessage(std::string_view text) override { session_.onMessage(text); }
  void demote() override {
    session_.demote();
    controls_.releaseGamepads();
  }

 private:
  InputWiring& wiring_;
  PeerControls controls_;  // before session_, which holds a reference to it
  input::InputSession session_;
  input::SystemInfo info_;
  metrics::Metrics* metrics_;
  int connection_;
};

}  // namespace

input::Options inputOptions(const config::Config& c) {
  input::Options o;
  o.display = c.desktop.display;
  o.resize_enabled = c.desktop.enable_resize;
  switch (c.desktop.clipboard) {
    case config::ClipboardMode::kOff:
      o.clipboard = input::ClipboardMode::kOff;
      break;
    case config::ClipboardMode::kIn:
      o.clipboard = input::ClipboardMode::kIn;
      break;
    case config::ClipboardMode::kOut:
      o.clipboard = input::ClipboardMode::kOut;
      break;
    case config::ClipboardMode::kBoth:
      o.clipboard = input::ClipboardMode::kBoth;
      break;
  }
  o.cursors_enabled = c.desktop.enable_cursors;
  o.cursor_size = c.desktop.cursor_size;
  o.uinput_mouse_socket = c.desktop.uinput_mouse_socket;
  o.debug_cursors = c.desktop.debug_cursors;  // PNGs go to /tmp, as Selkies writes them
  return o;
}

std::unique_ptr<session::ChannelHandler> InputWiring::makeChannel(
    const session::PeerInfo& peer, std::function<void(std::string)> send) {
  if (desktop_ == nullptr || sessions_ == nullptr) return nullptr;
  const auto& v = sessions_->videoOptions();
  input::SystemInfo info;
  info.framerate = v.params.framerate;
  info.video_bitrate_kbps = v.params.bitrate_kbps;
  info.audio_bitrate_bps = audio_bitrate_bps_ != 0 ? audio_bitrate_bps_ : config_.audio.bitrate_bps;
  info.encoder = sessions_->encoder();  // may have changed since start (runtime failover)
  return std::make_unique<InputChannel>(
      *desktop_, *this, metrics_, gamepads_, peer.id, std::move(send), peer.can_control, info,
      stats_ != nullptr ? stats_->open(std::chrono::system_clock::now()) : nullptr);
}

void InputWiring::onVideoHello(const session::PeerInfo& peer) {
  // With resize off Selkies also sets Xfce's cursor size to 16 (xfconf-query); deskstream never
  // changes the cursor size, so there is nothing to reset (docs/selkies-compat.md).
  if (desktop_ == nullptr || !desktop_->resizeEnabled() || !peer.can_control) return;
  if (peer.meta.width > 0 && peer.meta.height > 0) {
    const input::Size wanted{(peer.meta.width + 1) / 2 * 2, (peer.meta.height + 1) / 2 * 2};
    if (desktop_->screenSize() != wanted) {
      if (auto r = desktop_->resize(wanted); r) {
        onScreenResized(r->width, r->height);
      } else {
        log::warn("input", "resize to the browser window failed: " + r.error().message);
      }
    }
  }
  // Then the scale as DPI, through the same path as the `s` message (Selkies does both here).
  if (peer.meta.scale) {
    if (auto s = desktop_->setScale(*peer.meta.scale); !s) {
      log::warn("input", "HELLO scale " + std::to_string(*peer.meta.scale) +
                             " not applied: " + s.error().message);
    }
  }
}

template <typename T>
void InputWiring::persist(const char* key, T value) {
  if (json_config_.empty()) return;
  auto existing = config::readJsonConfig(json_config_);
  bool replaced = false;
  const std::string text = config::withJsonValue(
      existing && *existing ? std::string_view(**existing) : std::string_view(), key, value,
      &replaced);
  if (replaced || !existing) {
    log::warn("config", "SELKIES_JSON_CONFIG " + json_config_ +
                            (existing ? " was not a JSON object" : " could not be read") +
                            "; writing a new one");
  }
  if (auto st = config::writeFileAtomic(json_config_, text); !st) {
    if (!json_config_failed_) {
      log::warn("config",
                "SELKIES_JSON_CONFIG: client settings are not saved: " + st.error().message);
    }
    json_config_failed_ = true;
    return;
  }
  json_config_failed_ = false;
}

void InputWiring::setVideoBitrate(int kbps) {
  persist("video_bitrate", kbps);
  if (sessions_ != nullptr) sessions_->setBitrate(kbps);
}

void InputWiring::setAudioBitrate(int bps) {
  persist("audio_bitrate", bps);
  audio_bitrate_bps_ = bps;
  if (sessions_ != nullptr) sessions_->setAudioBitrate(bps);
}

void InputWiring::setFramerate(int fps) {
  persist("framerate", fps);
  if (sessions_ != nullptr) sessions_->setFramerate(fps);
}

void InputWiring::onResizeEnabled(bool enabled) { persist("enable_resize", enabled); }

void InputWiring::setPointerVisible(bool visible) {
  if (sessions_ != nullptr) sessions_->setPointerVisible(visible);
}

void InputWiring::startServerStats(unsigned gpu_index) {
  monitor_ = std::make_unique<sysstats::Monitor>(gpu_index, [this](const sysstats::Sample& s) {
    if (s.gpu && metrics_ != nullptr) metrics_->setGpuUtilization(s.gpu->load * 100.0);
    if (sessions_alive_.empty()) return;
    broadcastServerStats(input::systemStatsMessage(s.cpu_percent, s.memory.total, s.memory.used));
    if (sessions_ != nullptr) {
      // Each viewer's own: a viewer on the lower encode gets its setting.
      for (auto [session, id] : sessions_alive_) {
        const auto encode = sessions_->encoderSettingFor(id);
        session->sendNetworkStatus(input::networkStatusMessage(
            sessions_->networkLimited(id), encode.kbps, encode.fps, encode.scale_percent));
      }
    }
    if (!s.gpu) return;
    broadcastServerStats(
        input::gpuStatsMessage(s.gpu->load, s.gpu->memory_total_mib, s.gpu->memory_used_mib));
  });
}

void InputWiring::announceSetting(int from, const std::string& action) {
  for (const auto& [session, connection] : sessions_alive_) {
    if (connection != from) session->announceSetting(action);
  }
}

void InputWiring::broadcastServerStats(const std::string& message) {
  for (const auto& kv : sessions_alive_) kv.first->sendServerStats(message);
}

void InputWiring::onScreenResized(int width, int height) {
  log::info("input", "X screen resized to " + std::to_string(width) + "x" + std::to_string(height));
  if (sessions_ != nullptr) sessions_->onScreenResized();
}

}  // namespace ds::app
