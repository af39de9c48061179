// Who may come in, and with which role: Basic auth (Selkies), JWT (Bearer header, WebSocket
// subprotocol, or a ?token= ticket exchanged once for a session cookie), or nothing when both
// are off. Also the browser-facing rules around it: WebSocket Origin, cookie scope, ticket
// redirect, Basic-auth throttling (docs/access.md). Main-loop thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth/failure_throttle.hpp"
#include "auth/session_store.hpp"
#include "auth/trusted_proxies.hpp"
#include "auth/verifier.hpp"
#include "auth/web_origin.hpp"
#include "config/config.hpp"
#include "http/download_budget.hpp"
#include "http/server.hpp"
#include "session/manager.hpp"

namespace ds::app {

// How a request proved who it is.
enum class Via { kOpen, kBasic, kBearer, kSubprotocol, kCookie };

struct Identity {
  bool can_control = true;
  std::string subject;  // JWT sub, Basic user, or "anonymous"
  std::optional<std::chrono::system_clock::time_point> expires_at;
  Via via = Via::kOpen;
};

// The parsed access settings (validated at start-up, see accessSettings()).
struct AccessSettings {
  std::optional<auth::PublicUrl> public_url;
  auth::TrustedProxies trusted;
  auth::FailureThrottle::Limits throttle;
};

// Parses DESKSTREAM_PUBLIC_URL and DESKSTREAM_TRUSTED_PROXIES; the error names the variable.
Result<AccessSettings> accessSettings(const config::Config& config);

class Access {
 public:
  // `verifier` may be null (JWT off).
  Access(const config::Config& config, std::unique_ptr<auth::Verifier> verifier,
         AccessSettings settings)
      : config_(config),
        verifier_(std::move(verifier)),
        settings_(std::move(settings)),
        throttle_(settings_.throttle) {}

  bool jwtEnabled() const { return verifier_ != nullptr; }
  // The request came from a configured trusted proxy (its forwarded headers count).
  bool fromTrustedProxy(const http::Request& req) const {
    return settings_.trusted.contains(req.remoteAddress());
  }
  // http::Handlers::authorize.
  std::optional<http::Response> authorize(const http::Request& req, http::Route route);
  // The identity of an already-authorized request (WebSocket accept, /turn user).
  std::optional<Identity> identify(const http::Request& req);
  // Timers of a token-admitted connection (warn 60 s before exp, disconnect 30 s after).
  session::Lease leaseFor(std::chrono::system_clock::time_point expires_at) const;
  // `AUTH <token>` on a live connection: same subject, later expiry (auth::acceptRefresh); a
  // view token demotes a controller (auth::liveRole).
  Result<session::Refreshed> refresh(const session::PeerInfo& peer, const std::string& token);
  // The self-test download of an authorized request: nullopt when `bytes` fit this client's and
  // everyone's budget (http::DownloadBudget, charged), else the 429 to send.
  std::optional<http::Response> chargeDownload(const http::Request& req, std::size_t bytes);

 private:
  Result<Identity> identifyOrError(const http::Request& req, bool* basic_failed = nullptr);
  std::optional<http::Response> exchangeTicket(const http::Request& req, const std::string& token);
  std::optional<http::Response> checkOrigin(const http::Request& req, Via via) const;
  bool browserUsedHttps(const http::Request& req) const;
  std::string clientOf(const http::Request& req) const;
  http::Response unauthorized(const std::string& why) const;

  const config::Config& config_;
  std::unique_ptr<auth::Verifier> verifier_;
  AccessSettings settings_;
  auth::SessionStore sessions_;
  http::DownloadBudget downloads_;
  auth::ReplayCache replays_;
  auth::FailureThrottle throttle_;
};

}  // namespace ds::app
