// What a Connection asks of the session manager that owns it: admission, token refresh, the
// shared pipelines its branch is added to, and its own removal. session::Manager implements it;
// unit tests use a fake host that hands out fake branches.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "session/branch.hpp"
#include "session/peer_limits.hpp"
#include "session/types.hpp"
#include "signalling/handler.hpp"
#include "wsmedia/client.hpp"

namespace ds::session {

class Connection;

class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;

  // The browser uids held by live connections (one controller per uid).
  virtual signalling::UidRegistry& uids() = 0;
  // The caps every WebRTC peer takes a slot of at HELLO.
  virtual PeerLimits& peerLimits() = 0;
  // Token refresh (`AUTH <token>`); canRefresh() is false when no verifier is configured.
  virtual bool canRefresh() const = 0;
  virtual Result<Refreshed> refresh(const PeerInfo& info, std::string token) = 0;
  // A video peer said HELLO; called before its branch is added.
  virtual void onVideoHello(const PeerInfo& info) = 0;
  // The handler of a video peer's input channel (nullptr: no input). `send` writes to the peer.
  virtual std::unique_ptr<ChannelHandler> makeChannel(const PeerInfo& info,
                                                      std::function<void(std::string)> send) = 0;
  // Adds the peer's branch to the shared video or audio pipeline. A video peer counts as one
  // until removeVideoPeer(), whether or not the branch could be added.
  virtual Result<std::shared_ptr<Branch>> addVideoPeer(Connection& conn) = 0;
  // The WebSocket media transport: taps on the shared tees, sent over the connection's socket.
  virtual Result<std::unique_ptr<wsmedia::Client>> addWsMediaPeer(Connection& conn) = 0;
  // The connection's WebSocket media client is in place (conn.wsMedia() is set).
  virtual void onWsMediaStarted(Connection& /*conn*/) {}
  virtual Result<std::shared_ptr<Branch>> addAudioPeer(Connection& conn) = 0;
  // Whether desktop audio streams now, and why not when it does not.
  virtual bool audioAvailable() const = 0;
  virtual std::string audioStatus() const = 0;
  virtual void removeVideoPeer(int id) = 0;
  // Destroys connection `id` later (it may be calling from inside one of its own callbacks).
  virtual void remove(int id) = 0;
};

}  // namespace ds::session
