#include "app/input_wiring.hpp"

#include <utility>
#include <vector>

#include "core/log.hpp"

namespace ds::app {
namespace {

// One peer's Controls: everything goes to the shared InputWiring; the figures its client reports
// also go to the metrics under its connection id.
class PeerControls final : public input::Controls {
 public:
  PeerControls(input::Controls& shared, metrics::Metrics* metrics, int connection)
      : shared_(shared), metrics_(metrics), connection_(connection) {}
  void setVideoBitrate(int kbps) override { shared_.setVideoBitrate(kbps); }
  void setAudioBitrate(int bps) override { shared_.setAudioBitrate(bps); }
  void setFramerate(int fps) override { shared_.setFramerate(fps); }
  void setPointerVisible(bool visible) override { shared_.setPointerVisible(visible); }
  void onScreenResized(int width, int height) override { shared_.onScreenResized(width, height); }
  void onResizeEnabled(bool enabled) override { shared_.onResizeEnabled(enabled); }
  void onClientStats(const input::ClientStats& stats) override {
    shared_.onClientStats(stats);
    if (metrics_ == nullptr) return;
    std::vector<std::pair<std::string, std::string>> fields;
    fields.reserve(stats.fields.size());
    for (const auto& f : stats.fields) fields.emplace_back(f.name, f.value);
    metrics_->setWebrtcStatistics(fields);
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

 private:
  input::Controls& shared_;
  metrics::Metrics* metrics_;
  int connection_;
};

class InputChannel final : public session::ChannelHandler {
 public:
  InputChannel(input::Desktop& desktop, InputWiring& wiring, metrics::Metrics* metrics,
               int connection, std::function<void(std::string)> send, bool can_control,
               input::SystemInfo info)
      : wiring_(wiring),
        controls_(wiring, metrics, connection),
        session_(desktop, controls_, std::move(send), can_control),
        info_(std::move(info)),
        metrics_(metrics),
        connection_(connection) {
    wiring_.addSession(&session_);
  }
  ~InputChannel() override {
    wiring_.removeSession(&session_);
    if (metrics_ != nullptr) metrics_->removeConnection(connection_);
  }
  void onOpen() override { session_.onOpen(info_); }
  void onMessage(std::string_view text) override { session_.onMessage(text); }
  void demote() override { session_.demote(); }

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
  o.display = c.display;
  o.resize_enabled = c.enable_resize;
  switch (c.clipboard) {
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
  o.cursors_enabled = c.enable_cursors;
  o.cursor_size = c.cursor_size;
  return o;
}

std::unique_ptr<session::ChannelHandler> InputWiring::makeChannel(
    const session::PeerInfo& peer, std::function<void(std::string)> send) {
  if (desktop_ == nullptr || sessions_ == nullptr) return nullptr;
  const auto& v = sessions_->videoOptions();
  input::SystemInfo info;
  info.framerate = v.params.framerate;
  info.video_bitrate_kbps = v.params.bitrate_kbps;
  info.audio_bitrate_bps = audio_bitrate_bps_ != 0 ? audio_bitrate_bps_ : config_.audio_bitrate_bps;
  info.encoder = sessions_->encoder();  // may have changed since start (runtime failover)
  return std::make_unique<InputChannel>(*desktop_, *this, metrics_, peer.id, std::move(send),
                                        peer.can_control, info);
}

void InputWiring::onVideoHello(const session::PeerInfo& peer) {
  if (desktop_ == nullptr || !desktop_->resizeEnabled() || !peer.can_control) return;
  if (peer.meta.width <= 0 || peer.meta.height <= 0) return;
  const input::Size wanted{(peer.meta.width + 1) / 2 * 2, (peer.meta.height + 1) / 2 * 2};
  if (desktop_->screenSize() == wanted) return;
  auto r = desktop_->resize(wanted);
  if (!r) {
    log::warn("input", "resize to the browser window failed: " + r.error().message);
    return;
  }
  onScreenResized(r->width, r->height);
}

void InputWiring::setVideoBitrate(int kbps) {
  if (sessions_ != nullptr) sessions_->setBitrate(kbps);
}

void InputWiring::setAudioBitrate(int bps) {
  audio_bitrate_bps_ = bps;
  if (sessions_ != nullptr && sessions_->audio() != nullptr) sessions_->audio()->setBitrate(bps);
}

void InputWiring::setFramerate(int fps) {
  if (sessions_ != nullptr) sessions_->setFramerate(fps);
}

void InputWiring::setPointerVisible(bool visible) {
  if (sessions_ != nullptr) sessions_->setPointerVisible(visible);
}

void InputWiring::startServerStats(unsigned gpu_index) {
  monitor_ = std::make_unique<sysstats::Monitor>(gpu_index, [this](const sysstats::Sample& s) {
    if (s.gpu && metrics_ != nullptr) metrics_->setGpuUtilization(s.gpu->load * 100.0);
    if (sessions_alive_.empty()) return;
    broadcastServerStats(input::systemStatsMessage(s.cpu_percent, s.memory.total, s.memory.used));
    if (!s.gpu) return;
    broadcastServerStats(
        input::gpuStatsMessage(s.gpu->load, s.gpu->memory_total_mib, s.gpu->memory_used_mib));
  });
}

void InputWiring::broadcastServerStats(const std::string& message) {
  for (input::InputSession* session : sessions_alive_) session->sendServerStats(message);
}

void InputWiring::onScreenResized(int width, int height) {
  log::info("input", "X screen resized to " + std::to_string(width) + "x" + std::to_string(height));
  if (sessions_ != nullptr) sessions_->onScreenResized();
}

}  // namespace ds::app
