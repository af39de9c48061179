#include "app/access.hpp"

#include "auth/refresh.hpp"
#include "auth/transport.hpp"
#include "core/log.hpp"

namespace ds::app {
namespace {

constexpr const char* kLog = "auth";

Identity fromPrincipal(const auth::Principal& p) {
  return Identity{auth::canControl(p), p.subject, p.expires_at};
}

// "http://host:port" -> "host:port"
std::string originHost(const std::string& origin) {
  const auto scheme = origin.find("://");
  return scheme == std::string::npos ? origin : origin.substr(scheme + 3);
}

}  // namespace

http::Response Access::unauthorized(const std::string& why) const {
  http::Response r{401, "text/plain; charset=utf-8", "unauthorized: " + why + "\n", {}};
  if (config_.enable_basic_auth) {
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"deskstream\", charset=\"UTF-8\"");
  }
  if (verifier_) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"deskstream\"");
  return r;
}

Result<Identity> Access::identifyOrError(const http::Request& req) {
  if (!config_.enable_basic_auth && !verifier_) return Identity{true, "anonymous", std::nullopt};
  std::string why = "no credentials";
  const auto authorization = req.header("Authorization");
  if (config_.enable_basic_auth && authorization) {
    const auto creds = http::parseBasic(*authorization);
    if (creds &&
        http::credentialsMatch(*creds, config_.basic_auth_user, config_.basic_auth_password)) {
      return Identity{true, creds->user, std::nullopt};
    }
    if (creds) why = "basic auth: wrong user or password";
  }
  if (verifier_) {
    std::optional<std::string> token;
    if (authorization) token = auth::tokenFromAuthorization(*authorization);
    if (!token) {
      if (auto protocols = req.header("Sec-WebSocket-Protocol")) {
        token = auth::tokenFromWebSocketProtocols(*protocols);
      }
    }
    if (token) {
      auto principal = verifier_->verifyNow(*token);
      if (principal) return fromPrincipal(*principal);
      why = principal.error().message;
    } else if (auto cookie = req.header("Cookie")) {
      if (auto id = auth::cookieValue(*cookie, auth::kSessionCookie)) {
        if (auto p = sessions_.lookup(*id, std::chrono::system_clock::now()))
          return fromPrincipal(*p);
        why = "session cookie unknown or expired";
      }
    }
  }
  return fail(why);
}

std::optional<Identity> Access::identify(const http::Request& req) {
  auto id = identifyOrError(req);
  if (!id) return std::nullopt;
  return *id;
}

std::optional<http::Response> Access::exchangeTicket(const http::Request& req,
                                                     const std::string& token) {
  auto principal = verifier_->verifyNow(token);
  if (!principal) {
    log::info(kLog,
              "ticket refused from " + req.remoteAddress() + ": " + principal.error().message);
    return unauthorized(principal.error().message);
  }
  const auto now = std::chrono::system_clock::now();
  if (!replays_.firstUse(principal->token_id, principal->expires_at, now)) {
    log::info(kLog,
              "ticket refused from " + req.remoteAddress() + ": jwt jti: missing or already used");
    return unauthorized("jwt jti: a ?token= ticket needs a jti and works once");
  }
  const std::string id = sessions_.create(*principal);
  const auto max_age =
      std::chrono::duration_cast<std::chrono::seconds>(principal->expires_at - now).count();
  std::string cookie = std::string(auth::kSessionCookie) + "=" + id +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(std::max<long long>(0, max_age));
  if (config_.enable_https) cookie += "; Secure";
  log::info(kLog, "ticket for " + principal->subject + " (" +
                      std::string(auth::roleName(principal->role)) +
                      ") exchanged for a session cookie");
  // Drop the token from the address bar and history.
  return http::Response{303,
                        "text/plain; charset=utf-8",
                        "signed in\n",
                        {{"Location", std::string(req.path())}, {"Set-Cookie", cookie}}};
}

std::optional<http::Response> Access::authorize(const http::Request& req, http::Route route) {
  if (route == http::Route::kSignalling) {
    // Cookies travel with cross-site WebSocket requests: the page's origin must be ours.
    const auto origin = req.header("Origin");
    const auto host = req.header("Host");
    if (origin && host && originHost(*origin) != *host) {
      log::info(kLog, "websocket refused from " + req.remoteAddress() + ": Origin " + *origin +
                          " is not " + *host);
      return http::Response{
          403, "text/plain; charset=utf-8", "forbidden: cross-origin WebSocket\n", {}};
    }
  }
  if (verifier_ && route == http::Route::kStatic) {
    if (auto token = req.query("token")) return exchangeTicket(req, *token);
  }
  auto id = identifyOrError(req);
  if (id) return std::nullopt;
  log::info(kLog, "refused " + std::string(req.path()) + " from " + req.remoteAddress() + ": " +
                      id.error().message);
  return unauthorized(id.error().message);
}

session::Lease Access::leaseFor(std::chrono::system_clock::time_point expires_at) const {
  auth::Principal p;
  p.expires_at = expires_at;
  const auto plan = auth::planExpiry(p, std::chrono::system_clock::now());
  return session::Lease{expires_at, plan.warn_at, plan.disconnect_at};
}

Result<session::Refreshed> Access::refresh(const session::PeerInfo& peer,
                                           const std::string& token) {
  if (!verifier_) return fail("refresh: JWT is not enabled");
  auto fresh = verifier_->verifyNow(token);
  if (!fresh) return Unexpected<Error>{fresh.error()};
  auth::Principal current;
  current.subject = peer.subject;
  current.role = peer.can_control ? auth::Role::kControl : auth::Role::kView;
  current.expires_at = peer.lease ? peer.lease->expires_at : std::chrono::system_clock::now();
  auto accepted = auth::acceptRefresh(current, *fresh);
  if (!accepted) return Unexpected<Error>{accepted.error()};
  const auto exp =
      std::chrono::duration_cast<std::chrono::seconds>(accepted->expires_at.time_since_epoch())
          .count();
  // The role of a live connection is fixed when it opens; a changed role applies on reconnect.
  return session::Refreshed{
      leaseFor(accepted->expires_at),
      "{\"expires_at\":" + std::to_string(exp) + ",\"role\":\"" +
          std::string(auth::roleName(peer.can_control ? auth::Role::kControl : auth::Role::kView)) +
          "\"}"};
}

}  // namespace ds::app
