// One signalling connection: WebSocket <-> signalling::Handler <-> webrtc::PeerBranch.
#pragma once

#include <memory>
#include <string>

#include "http/websocket.hpp"
#include "session/branch.hpp"
#include "session/connection_host.hpp"
#include "session/peer_limits.hpp"
#include "session/types.hpp"
#include "signalling/handler.hpp"
#include "wsmedia/client.hpp"

namespace ds::session {

// WebSocket close code after the browser's answer was refused (no common video codec, a
// malformed or rejected answer): reconnecting cannot help, and our web client shows the ERROR
// that precedes it instead of retrying (docs/selkies-compat.md).
inline constexpr int kCloseAnswerRefused = 4406;

class Connection {
 public:
  Connection(ConnectionHost& host, std::shared_ptr<http::WebSocket> ws, PeerInfo info);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void onText(std::string_view text);
  void close(int code, const std::string& reason);
  // The video pipeline is going away: drop the branch and tell the browser to reconnect.
  void dropVideo(const std::string& reason);
  // Audio peers: create the branch once the audio pipeline streams; drop it when it stops.
  void startAudio();
  void dropAudio(const std::string& reason);
  // The peer's branch failed: ERROR <reason> to this peer, then close with 1011.
  void fail(const std::string& reason);
  // The answer was refused: ERROR <reason> to this peer, then close with kCloseAnswerRefused.
  void refuse(const std::string& reason);

  // From the branch: our offer is ready, a local ICE candidate was found.
  void onOfferCreated(std::string_view sdp);
  void onLocalCandidate(std::string_view candidate, int mline);
  // From the branch: the `input` data channel opened (its handler is made now), a message on it.
  void onChannelOpen();
  void onChannelMessage(std::string_view text);

  const PeerInfo& info() const { return info_; }
  const std::shared_ptr<http::WebSocket>& socket() const { return ws_; }
  // The peer's WebRTC branch, or nullptr before it exists and after it was dropped.
  Branch* branch() { return branch_.get(); }
  const Branch* branch() const { return branch_.get(); }
  // The WebSocket media client, for a peer that sent MEDIA (nullptr otherwise).
  wsmedia::Client* wsMedia() { return ws_media_.get(); }
  const wsmedia::Client* wsMedia() const { return ws_media_.get(); }
  // Counted as a video viewer by the host (between addVideoPeer and removeVideoPeer).
  bool videoPeer() const { return video_peer_; }
  bool audioPeer() const { return audio_peer_; }

 private:
  void run(const signalling::Actions& actions);
  void startPeer(const signalling::StartPeer& start);
  // `MEDIA [meta]`: this socket carries the media itself (docs/protocol-websocket.md).
  void startWsMedia();
  void onAuth(std::string_view token);
  void scheduleLease();
  void cancelLease();
  Status admit(signalling::PeerKind kind);

  ConnectionHost& host_;
  std::shared_ptr<http::WebSocket> ws_;
  PeerInfo info_;
  signalling::Handler handler_;
  PeerSlot slot_;  // taken at HELLO, before the branch exists; freed after it
  std::shared_ptr<Branch> branch_;
  std::unique_ptr<ChannelHandler> channel_;
  bool media_mode_ = false;                    // sent MEDIA: the WebSocket media transport
  std::unique_ptr<wsmedia::Client> ws_media_;  // its taps on the shared tees
  bool video_peer_ = false;
  bool audio_peer_ = false;
  unsigned warn_source_ = 0;
  unsigned expire_source_ = 0;
};

}  // namespace ds::session
