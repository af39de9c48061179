#include "app/input_wiring.hpp"

#include "core/log.hpp"

namespace ds::app {
namespace {

class InputChannel final : public session::ChannelHandler {
 public:
  InputChannel(input::Desktop& desktop, input::Controls& controls,
               std::function<void(std::string)> send, bool can_control, input::SystemInfo info)
      : session_(desktop, controls, std::move(send), can_control), info_(std::move(info)) {}
  void onOpen() override { session_.onOpen(info_); }
  void onMessage(std::string_view text) override { session_.onMessage(text); }

 private:
  input::InputSession session_;
  input::SystemInfo info_;
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
  return std::make_unique<InputChannel>(*desktop_, *this, std::move(send), peer.can_control, info);
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

void InputWiring::onScreenResized(int width, int height) {
  log::info("input", "X screen resized to " + std::to_string(width) + "x" + std::to_string(height));
  if (sessions_ != nullptr) sessions_->onScreenResized();
}

}  // namespace ds::app
