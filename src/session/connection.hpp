// One signalling connection: WebSocket <-> signalling::Handler <-> webrtc::PeerBranch.
#pragma once

#include <memory>
#include <string>

#include "session/manager.hpp"
#include "session/peer_limits.hpp"
#include "wsmedia/client.hpp"

namespace ds::session {

// WebSocket close code after the browser's answer was refused (no common video codec, a
// malformed or rejected answer): reconnecting cannot help, and our web client shows the ERROR
// that precedes it instead of retrying (docs/selkies-compat.md).
inline constexpr int kCloseAnswerRefused = 4406;

class Connection {
 public:
  Connection(Manager& manager, std::shared_ptr<http::WebSocket> ws, PeerInfo info);
  ~Connection();

  void onText(std::string_view text);
  void close(int code, const std::string& reason);
  // The video pipeline is going away: drop the branch and tell the browser to reconnect.
  void dropVideo(const std::string& reason);
  // Audio peers: create the branch once the audio pipeline streams; drop it when it stops.
  void startAudio();
  void dropAudio(const std::string& reason);
  const PeerInfo& info() const { return info_; }

 private:
  friend class Manager;
  void run(const signalling::Actions& actions);
  void startPeer(const signalling::StartPeer& start);
  // `MEDIA [meta]`: this socket carries the media itself (docs/protocol-websocket.md).
  void startWsMedia();
  void fail(const std::string& reason);
  // The answer was refused: ERROR <reason> to this peer, then close with kCloseAnswerRefused.
  void refuse(const std::string& reason);
  void onAuth(std::string_view token);
  void scheduleLease();
  void cancelLease();
  Status admit(signalling::PeerKind kind);

  Manager& manager_;
  std::shared_ptr<http::WebSocket> ws_;
  PeerInfo info_;
  signalling::Handler handler_;
  PeerSlot slot_;  // taken at HELLO, before the branch exists; freed after it
  std::shared_ptr<webrtc::PeerBranch> branch_;
  std::unique_ptr<ChannelHandler> channel_;
  bool media_mode_ = false;                    // sent MEDIA: the WebSocket media transport
  std::unique_ptr<wsmedia::Client> ws_media_;  // its taps on the shared tees
  bool video_peer_ = false;
  bool audio_peer_ = false;
  unsigned warn_source_ = 0;
  unsigned expire_source_ = 0;
};

}  // namespace ds::session
