#include "session/connection.hpp"

#include "core/log.hpp"

namespace ds::session {
namespace {
constexpr const char* kLog = "session";
}

Connection::Connection(Manager& manager, std::shared_ptr<http::WebSocket> ws, PeerInfo info)
    : manager_(manager),
      ws_(std::move(ws)),
      info_(std::move(info)),
      handler_(manager.uids_, /*exclusive=*/info_.can_control) {}

Connection::~Connection() {
  channel_.reset();
  branch_.reset();
  if (video_peer_) manager_.removeVideoPeer();
  handler_.onClosed();
}

void Connection::onText(std::string_view text) { run(handler_.onText(text)); }

void Connection::run(const signalling::Actions& actions) {
  for (const auto& action : actions) {
    if (const auto* send = std::get_if<signalling::SendText>(&action)) {
      if (send->text.rfind("ERROR", 0) == 0) {
        log::info(kLog, "peer " + std::to_string(info_.id) + ": " + send->text);
      }
      ws_->send(send->text);
    } else if (const auto* start = std::get_if<signalling::StartPeer>(&action)) {
      startPeer(*start);
    } else if (const auto* answer = std::get_if<signalling::ApplyAnswer>(&action)) {
      if (!branch_) continue;
      if (auto st = branch_->setAnswer(answer->sdp); !st) ws_->send("ERROR " + st.error().message);
    } else if (const auto* ice = std::get_if<signalling::AddRemoteIce>(&action)) {
      if (branch_) branch_->addCandidate(ice->ice.mline_index, ice->ice.candidate);
    } else if (const auto* close_action = std::get_if<signalling::CloseConnection>(&action)) {
      close(close_action->code, close_action->reason);
    }
  }
}

void Connection::startPeer(const signalling::StartPeer& start) {
  info_.meta = start.meta;
  if (start.kind == signalling::PeerKind::kAudio) {
    audio_peer_ = true;
    startAudio();
    return;
  }
  if (manager_.options_.on_video_hello) manager_.options_.on_video_hello(info_);
  auto branch = manager_.addVideoPeer(*this);
  video_peer_ = true;
  if (!branch) {
    fail(branch.error().message);
    return;
  }
  branch_ = std::move(*branch);
}

void Connection::startAudio() {
  auto* audio = manager_.audio();
  if (audio == nullptr || !audio->available()) {
    // Stay connected: the offer follows when PulseAudio appears (Manager::onAudioState).
    log::info(kLog, "peer " + std::to_string(info_.id) + ": waiting for audio (" +
                        manager_.audioStatus() + ")");
    // Tell the page (its status line shows it); the offer follows when audio is back.
    ws_->send("ERROR audio unavailable: " + manager_.audioStatus());
    return;
  }
  auto branch = manager_.addAudioPeer(*this);
  if (!branch) {
    fail(branch.error().message);
    return;
  }
  branch_ = std::move(*branch);
}

void Connection::dropAudio(const std::string& reason) {
  branch_.reset();
  ws_->send("ERROR " + reason);
  close(1012, "audio restarting");
}

void Connection::fail(const std::string& reason) {
  log::warn(kLog, "peer " + std::to_string(info_.id) + ": " + reason);
  ws_->send("ERROR " + reason);
  close(1011, "stream failed");
}

void Connection::close(int code, const std::string& reason) {
  ws_->close(code, reason);
  manager_.remove(info_.id);
}

void Connection::dropVideo(const std::string& reason) {
  if (audio_peer_) return;  // audio has its own pipeline
  channel_.reset();
  branch_.reset();
  if (video_peer_) {
    video_peer_ = false;
    manager_.removeVideoPeer();
  }
  ws_->send("ERROR " + reason);
  close(1012, "stream restarting");
}

}  // namespace ds::session
