#include "session/connection.hpp"

#include <glib.h>

#include "core/log.hpp"

namespace ds::session {
namespace {
constexpr const char* kLog = "session";
}

Connection::Connection(ConnectionHost& host, std::shared_ptr<http::WebSocket> ws, PeerInfo info)
    : host_(host),
      ws_(std::move(ws)),
      info_(std::move(info)),
      handler_(host.uids(), /*exclusive=*/info_.can_control) {
  handler_.setAdmission([this](signalling::PeerKind kind) { return admit(kind); });
  scheduleLease();
}

Connection::~Connection() {
  cancelLease();
  channel_.reset();
  ws_media_.reset();
  branch_.reset();
  slot_.reset();
  if (video_peer_) host_.removeVideoPeer(info_.id);
  handler_.onClosed();
}

// Runs before any GStreamer object of this peer exists (signalling::Handler::setAdmission).
Status Connection::admit(signalling::PeerKind kind) {
  auto slot = host_.peerLimits().acquire(info_.subject);
  if (!slot) return Unexpected<Error>{slot.error()};
  slot_ = std::move(*slot);
  const auto& limits = host_.peerLimits();
  log::info(kLog, "peer " + std::to_string(info_.id) + ": admitted as a " +
                      (kind == signalling::PeerKind::kAudio ? "audio" : "video") + " peer (" +
                      std::to_string(limits.total()) + "/" + std::to_string(limits.caps().total) +
                      " peers, " + std::to_string(limits.of(info_.subject)) + "/" +
                      std::to_string(limits.caps().per_user) + " for this user)");
  return {};
}

void Connection::onText(std::string_view text) {
  // Token refresh (docs/access.md §6) is consumed here, never relayed to the state machine.
  if (text.rfind("AUTH ", 0) == 0) {
    onAuth(text.substr(5));
    return;
  }
  if (media_mode_) {
    // After MEDIA, the socket speaks the data channel's grammar (plus ACK), not signalling.
    if (ws_media_ && ws_media_->onText(text)) return;
    if (channel_) channel_->onMessage(text);
    return;
  }
  if ((text == "MEDIA" || text.rfind("MEDIA ", 0) == 0) &&
      handler_.state() == signalling::Handler::State::kAwaitHello) {
    // The same admission as a video peer's HELLO: uid, role, peer caps (signalling::Handler).
    // After a HELLO, MEDIA goes to the handler below and is refused like any unknown message.
    media_mode_ = true;
    std::string hello = "HELLO 1";
    if (text.size() > 6) hello += " " + std::string(text.substr(6));
    run(handler_.onText(hello));
    return;
  }
  run(handler_.onText(text));
}

void Connection::onAuth(std::string_view token) {
  if (!info_.lease || !host_.canRefresh()) {
    ws_->send("AUTH_ERROR refresh: this connection was not admitted by a token");
    return;
  }
  auto refreshed = host_.refresh(info_, std::string(token));
  if (!refreshed) {
    log::info(kLog, "peer " + std::to_string(info_.id) +
                        ": token refresh refused: " + refreshed.error().message);
    ws_->send("AUTH_ERROR " + refreshed.error().message);
    return;
  }
  info_.lease = refreshed->lease;
  if (info_.can_control && !refreshed->can_control) {
    // Demoted: input, clipboard and resize from this peer stop before the reply goes out.
    info_.can_control = false;
    if (channel_) channel_->demote();
    handler_.dropControl();  // a new controller may join; this peer stays on as a viewer
    log::info(kLog, "peer " + std::to_string(info_.id) + ": demoted to view by a token refresh");
  }
  scheduleLease();
  ws_->send("AUTH_OK " + refreshed->ok_json);
}

namespace {
guint secondsFromNow(std::chrono::system_clock::time_point t) {
  const auto left =
      std::chrono::duration_cast<std::chrono::seconds>(t - std::chrono::system_clock::now())
          .count();
  return static_cast<guint>(std::max<long long>(0, left));
}
int64_t unixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

void Connection::cancelLease() {
  if (warn_source_ != 0) g_source_remove(warn_source_);
  if (expire_source_ != 0) g_source_remove(expire_source_);
  warn_source_ = expire_source_ = 0;
}

void Connection::scheduleLease() {
  cancelLease();
  if (!info_.lease) return;
  warn_source_ = g_timeout_add_seconds(
      secondsFromNow(info_.lease->warn_at),
      [](gpointer self) -> gboolean {
        auto* c = static_cast<Connection*>(self);
        c->warn_source_ = 0;
        c->ws_->send("AUTH_EXPIRING {\"expires_at\":" +
                     std::to_string(unixSeconds(c->info_.lease->expires_at)) +
                     ",\"disconnect_at\":" +
                     std::to_string(unixSeconds(c->info_.lease->disconnect_at)) + "}");
        return G_SOURCE_REMOVE;
      },
      this);
  expire_source_ = g_timeout_add_seconds(
      secondsFromNow(info_.lease->disconnect_at),
      [](gpointer self) -> gboolean {
        auto* c = static_cast<Connection*>(self);
        c->expire_source_ = 0;
        log::info(kLog, "peer " + std::to_string(c->info_.id) + ": token expired; disconnecting");
        c->ws_->send("AUTH_EXPIRED");
        c->close(4401, "token expired");
        return G_SOURCE_REMOVE;
      },
      this);
}

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
      if (auto st = branch_->setAnswer(answer->sdp); !st) {
        refuse(st.error().message);
        return;
      }
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
  if (media_mode_) {
    startWsMedia();
    return;
  }
  host_.onVideoHello(info_);
  auto branch = host_.addVideoPeer(*this);
  video_peer_ = true;
  if (!branch) {
    fail(branch.error().message);
    return;
  }
  branch_ = std::move(*branch);
}

void Connection::startWsMedia() {
  host_.onVideoHello(info_);
  auto client = host_.addWsMediaPeer(*this);
  video_peer_ = true;
  if (!client) {
    fail(client.error().message);
    return;
  }
  ws_media_ = std::move(*client);
  // Input, clipboard, cursor and resize: the data channel's grammar, on this socket.
  std::weak_ptr<http::WebSocket> weak = ws_;
  channel_ = host_.makeChannel(info_, [weak](std::string text) {
    if (auto ws = weak.lock()) ws->send(text);
  });
  ws_->send("MEDIA_OK " + ws_media_->describe());
  if (channel_) channel_->onOpen();
  host_.onWsMediaStarted(*this);
  log::info(kLog, "peer " + std::to_string(info_.id) + ": streaming over the WebSocket");
}

void Connection::startAudio() {
  if (!host_.audioAvailable()) {
    // Stay connected: the offer follows when PulseAudio appears (Manager::onAudioState).
    log::info(kLog, "peer " + std::to_string(info_.id) + ": waiting for audio (" +
                        host_.audioStatus() + ")");
    // Tell the page (its status line shows it); the offer follows when audio is back.
    ws_->send("ERROR audio unavailable: " + host_.audioStatus());
    return;
  }
  auto branch = host_.addAudioPeer(*this);
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

void Connection::onOfferCreated(std::string_view sdp) { run(handler_.onOfferCreated(sdp)); }

void Connection::onLocalCandidate(std::string_view candidate, int mline) {
  run(handler_.onLocalCandidate(candidate, mline));
}

void Connection::onChannelOpen() {
  if (!channel_) {
    auto weak_branch = std::weak_ptr<Branch>(branch_);
    channel_ = host_.makeChannel(info_, [weak_branch](std::string text) {
      if (auto b = weak_branch.lock()) b->sendChannelText(text);
    });
  }
  if (channel_) channel_->onOpen();
}

void Connection::onChannelMessage(std::string_view text) {
  if (channel_) channel_->onMessage(text);
}

void Connection::fail(const std::string& reason) {
  log::warn(kLog, "peer " + std::to_string(info_.id) + ": " + reason);
  ws_->send("ERROR " + reason);
  close(1011, "stream failed");
}

void Connection::refuse(const std::string& reason) {
  log::warn(kLog, "peer " + std::to_string(info_.id) + ": answer refused: " + reason);
  ws_->send("ERROR " + reason);
  // A new attempt from the same browser would get the same offer and give the same answer: the
  // close code tells our web client to show the error instead of reconnecting
  // (docs/selkies-compat.md).
  close(kCloseAnswerRefused, "answer refused");
}

void Connection::close(int code, const std::string& reason) {
  ws_->close(code, reason);
  host_.remove(info_.id);
}

void Connection::dropVideo(const std::string& reason) {
  if (audio_peer_) return;  // audio has its own pipeline
  channel_.reset();
  ws_media_.reset();
  branch_.reset();
  if (video_peer_) {
    video_peer_ = false;
    host_.removeVideoPeer(info_.id);
  }
  ws_->send("ERROR " + reason);
  close(1012, "stream restarting");
}

}  // namespace ds::session
