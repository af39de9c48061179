// Glue between the input module and the rest of the server: the data channel of each video peer
// gets an input::InputSession; its Controls land on the session manager, and the figures the
// client reports (_f, _l, the ping round trip) on the metrics, per connection; its gamepads on
// the gamepad sockets, owned by its connection.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "gamepad/gamepads.hpp"
#include "input/desktop.hpp"
#include "input/session.hpp"
#include "metrics/metrics.hpp"
#include "session/manager.hpp"
#include "stats/csv_recorder.hpp"
#include "sysstats/monitor.hpp"

namespace ds::app {

class InputWiring final : public input::Controls {
 public:
  InputWiring(input::Desktop* desktop, const config::Config& config)
      : desktop_(desktop), config_(config) {}

  void attach(session::Manager* sessions) { sessions_ = sessions; }
  // Exports each channel's client figures (nullptr: metrics off). Must outlive the channels.
  void setMetrics(metrics::Metrics* metrics) { metrics_ = metrics; }
  // SELKIES_ENABLE_WEBRTC_STATISTICS: each channel writes its client's statistics CSV files
  // (nullptr: off). Must outlive the channels.
  void setStatsRecorder(stats::Recorder* recorder) { stats_ = recorder; }
  // SELKIES_JSON_CONFIG: where client changes (vb, ab, _arg_fps, _arg_resize) are written back.
  void setJsonConfig(std::string path) { json_config_ = std::move(path); }
  // Where controlling peers' gamepads go (selkies_jsN.sock). Must outlive the channels.
  void setGamepads(gamepad::Gamepads* gamepads) { gamepads_ = gamepads; }

  // session::ManagerOptions::channel_handler
  std::unique_ptr<session::ChannelHandler> makeChannel(const session::PeerInfo& peer,
                                                       std::function<void(std::string)> send);
  // session::ManagerOptions::on_video_hello: with resize enabled, as Selkies, resize X to the
  // browser window, then apply its scale as DPI (Desktop::setScale, as for `s`), before the
  // pipeline starts. A view-only peer changes nothing.
  void onVideoHello(const session::PeerInfo& peer);

  void setVideoBitrate(int kbps) override;
  void setAudioBitrate(int bps) override;
  void setFramerate(int fps) override;
  void setPointerVisible(bool visible) override;
  void onScreenResized(int width, int height) override;
  void onResizeEnabled(bool enabled) override;
  double pictureScale() const override { return sessions_ ? sessions_->pictureScale() : 1.0; }
  // What connection `id` receives (the lower encode's picture may be smaller).
  double pictureScale(int id) const { return sessions_ ? sessions_->pictureScale(id) : 1.0; }

  // Starts Selkies' server figures: `system_stats` (and `gpu_stats` when NVML finds GPU
  // `gpu_index`) on every open `input` channel every 0.5 s, and `gpu_utilization` in the metrics.
  void startServerStats(unsigned gpu_index);
  // Sends a server figures message on every open `input` channel.
  void broadcastServerStats(const std::string& message);
  // A setting connection `from` changed (`action`: "framerate,20"), announced on every other
  // open channel of deskstream's client (InputSession::announceSetting).
  void announceSetting(int from, const std::string& action);
  // The channels alive now, with their connection ids (each InputChannel adds itself for its
  // lifetime).
  void addSession(input::InputSession* session, int connection) {
    sessions_alive_[session] = connection;
  }
  void removeSession(input::InputSession* session) { sessions_alive_.erase(session); }

 private:
  input::Desktop* desktop_;
  const config::Config& config_;
  session::Manager* sessions_ = nullptr;
  metrics::Metrics* metrics_ = nullptr;
  stats::Recorder* stats_ = nullptr;
  std::string json_config_;
  bool json_config_failed_ = false;  // logged once
  gamepad::Gamepads* gamepads_ = nullptr;
  int audio_bitrate_bps_ = 0;
  std::map<input::InputSession*, int> sessions_alive_;
  std::unique_ptr<sysstats::Monitor> monitor_;

  template <typename T>
  void persist(const char* key, T value);
};

input::Options inputOptions(const config::Config& config);

}  // namespace ds::app
