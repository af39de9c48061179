// Glue between the input module and the rest of the server: the data channel of each video peer
// gets an input::InputSession; its Controls land on the session manager, and the figures the
// client reports (_f, _l, the ping round trip) on the metrics, per connection.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "config/config.hpp"
#include "input/desktop.hpp"
#include "input/session.hpp"
#include "metrics/metrics.hpp"
#include "session/manager.hpp"
#include "sysstats/monitor.hpp"

namespace ds::app {

class InputWiring final : public input::Controls {
 public:
  InputWiring(input::Desktop* desktop, const config::Config& config)
      : desktop_(desktop), config_(config) {}

  void attach(session::Manager* sessions) { sessions_ = sessions; }
  // Exports each channel's client figures (nullptr: metrics off). Must outlive the channels.
  void setMetrics(metrics::Metrics* metrics) { metrics_ = metrics; }

  // session::ManagerOptions::channel_handler
  std::unique_ptr<session::ChannelHandler> makeChannel(const session::PeerInfo& peer,
                                                       std::function<void(std::string)> send);
  // session::ManagerOptions::on_video_hello: resize X to the browser window (Selkies does this
  // when resize is enabled) before the pipeline starts.
  void onVideoHello(const session::PeerInfo& peer);

  void setVideoBitrate(int kbps) override;
  void setAudioBitrate(int bps) override;
  void setFramerate(int fps) override;
  void setPointerVisible(bool visible) override;
  void onScreenResized(int width, int height) override;

  // Starts Selkies' server figures: `system_stats` (and `gpu_stats` when NVML finds GPU
  // `gpu_index`) on every open `input` channel every 0.5 s, and `gpu_utilization` in the metrics.
  void startServerStats(unsigned gpu_index);
  // Sends a server figures message on every open `input` channel.
  void broadcastServerStats(const std::string& message);
  // The channels alive now (each InputChannel adds itself for its lifetime).
  void addSession(input::InputSession* session) { sessions_alive_.insert(session); }
  void removeSession(input::InputSession* session) { sessions_alive_.erase(session); }

 private:
  input::Desktop* desktop_;
  const config::Config& config_;
  session::Manager* sessions_ = nullptr;
  metrics::Metrics* metrics_ = nullptr;
  int audio_bitrate_bps_ = 0;
  std::set<input::InputSession*> sessions_alive_;
  std::unique_ptr<sysstats::Monitor> monitor_;
};

input::Options inputOptions(const config::Config& config);

}  // namespace ds::app
