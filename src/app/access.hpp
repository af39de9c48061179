// Who may come in, and with which role: Basic auth (Selkies), JWT (Bearer header, WebSocket
// subprotocol, or a ?token= ticket exchanged once for a session cookie), or nothing when both
// are off. Main-loop thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth/session_store.hpp"
#include "auth/verifier.hpp"
#include "config/config.hpp"
#include "http/server.hpp"
#include "session/manager.hpp"

namespace ds::app {

struct Identity {
  bool can_control = true;
  std::string subject;  // JWT sub, Basic user, or "anonymous"
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

class Access {
 public:
  // `verifier` may be null (JWT off).
  Access(const config::Config& config, std::unique_ptr<auth::Verifier> verifier)
      : config_(config), verifier_(std::move(verifier)) {}

  bool jwtEnabled() const { return verifier_ != nullptr; }
  // http::Handlers::authorize.
  std::optional<http::Response> authorize(const http::Request& req, http::Route route);
  // The identity of an already-authorized request (WebSocket accept, /turn user).
  std::optional<Identity> identify(const http::Request& req);
  // Timers of a token-admitted connection (warn 60 s before exp, disconnect 30 s after).
  session::Lease leaseFor(std::chrono::system_clock::time_point expires_at) const;
  // `AUTH <token>` on a live connection: same subject, later expiry (auth::acceptRefresh).
  Result<session::Refreshed> refresh(const session::PeerInfo& peer, const std::string& token);

 private:
  Result<Identity> identifyOrError(const http::Request& req);
  std::optional<http::Response> exchangeTicket(const http::Request& req, const std::string& token);
  http::Response unauthorized(const std::string& why) const;

  const config::Config& config_;
  std::unique_ptr<auth::Verifier> verifier_;
  auth::SessionStore sessions_;
  auth::ReplayCache replays_;
};

}  // namespace ds::app
