#include "app/access.hpp"

#include "auth/refresh.hpp"
#include "auth/transport.hpp"
#include "core/log.hpp"

namespace ds::app {
namespace {

constexpr const char* kLog = "auth";

Identity fromPrincipal(const auth::Principal& p, Via via) {
  return Identity{auth::canControl(p), p.subject, p.expires_at, via};
}

http::Response plain(int status, std::string body) {
  return http::Response{status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace

Result<AccessSettings> accessSettings(const config::Config& c) {
  AccessSettings s;
  if (!c.auth.public_url.empty()) {
    auto url = auth::parsePublicUrl(c.auth.public_url);
    if (!url) {
      return fail("DESKSTREAM_PUBLIC_URL=\"" + c.auth.public_url +
                  "\" is not valid: " + url.error().message);
    }
    s.public_url = *url;
  }
  auto trusted = auth::TrustedProxies::parse(c.auth.trusted_proxies);
  if (!trusted) {
    return fail("DESKSTREAM_TRUSTED_PROXIES=\"" + c.auth.trusted_proxies +
                "\" is not valid: " + trusted.error().message);
  }
  s.trusted = *trusted;
  s.throttle.max_failures = c.auth.basic_auth_max_failures;
  s.throttle.window = std::chrono::seconds(c.auth.basic_auth_lockout_s);
  return s;
}

http::Response Access::unauthorized(const std::string& why) const {
  http::Response r = plain(401, "unauthorized: " + why + "\n");
  if (config_.auth.enable_basic_auth) {
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"deskstream\", charset=\"UTF-8\"");
  }
  if (verifier_) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"deskstream\"");
  return r;
}

std::string Access::clientOf(const http::Request& req) const {
  return auth::clientAddress(req.remoteAddress(), req.header("X-Forwarded-For"), settings_.trusted);
}

bool Access::browserUsedHttps(const http::Request& req) const {
  if (settings_.public_url) return settings_.public_url->scheme == "https";
  return config_.http.enable_https ||
         auth::forwardedHttps(req.remoteAddress(), req.header("X-Forwarded-Proto"),
                              settings_.trusted);
}

Result<Identity> Access::identifyOrError(const http::Request& req, bool* basic_failed) {
  if (!config_.auth.enable_basic_auth && !verifier_) {
    return Identity{true, "anonymous", std::nullopt, Via::kOpen};
  }
  std::string why = "no credentials";
  const auto authorization = req.header("Authorization");
  if (config_.auth.enable_basic_auth && authorization) {
    const auto creds = http::parseBasic(*authorization);
    if (creds && http::credentialsMatch(*creds, config_.auth.basic_auth_user,
                                        config_.auth.basic_auth_password)) {
      return Identity{true, creds->user, std::nullopt, Via::kBasic};
    }
    if (creds) {
      why = "basic auth: wrong user or password";
      if (basic_failed != nullptr) *basic_failed = true;
    }
  }
  if (verifier_) {
    std::optional<std::string> token;
    Via via = Via::kBearer;
    if (authorization) token = auth::tokenFromAuthorization(*authorization);
    if (!token) {
      if (auto protocols = req.header("Sec-WebSocket-Protocol")) {
        token = auth::tokenFromWebSocketProtocols(*protocols);
        via = Via::kSubprotocol;
      }
    }
    const auto now = std::chrono::system_clock::now();
    if (token) {
      auto principal = verifier_->verifyNow(*token);
      if (principal && replays_.wasUsed(principal->token_id, now)) {
        return fail("jwt jti: this ?token= ticket was already exchanged for a session cookie");
      }
      if (principal) return fromPrincipal(*principal, via);
      why = principal.error().message;
    } else if (auto cookie = req.header("Cookie")) {
      if (auto id = auth::cookieValue(*cookie, auth::kSessionCookie)) {
        if (auto p = sessions_.lookup(*id, now)) return fromPrincipal(*p, Via::kCookie);
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
  const std::optional<std::string> public_path =
      settings_.public_url ? std::optional<std::string>(settings_.public_url->path) : std::nullopt;
  const auto prefix = fromTrustedProxy(req) ? req.header("X-Forwarded-Prefix") : std::nullopt;
  const std::string cookie = auth::sessionCookie(
      id, max_age, auth::cookiePath(public_path, prefix, req.path()), browserUsedHttps(req));
  log::info(kLog, "ticket for " + principal->subject + " (" +
                      std::string(auth::roleName(principal->role)) +
                      ") exchanged for a session cookie");
  // Drop the token from the address bar and history; a relative reference cannot leave the
  // origin (no open redirect through "//host" paths).
  return http::Response{303,
                        "text/plain; charset=utf-8",
                        "signed in\n",
                        {{"Location", auth::ticketRedirect(req.path())}, {"Set-Cookie", cookie}}};
}

std::optional<http::Response> Access::checkOrigin(const http::Request& req, Via via) const {
  // Cookies and Basic credentials travel with cross-site WebSocket requests: the page's origin
  // must be ours. A browser always sends Origin; without one, only an explicit token may come.
  const auto origin = req.header("Origin");
  if (!origin) {
    if (via != Via::kCookie) return std::nullopt;
    log::info(kLog, "websocket refused from " + req.remoteAddress() +
                        ": no Origin on a cookie-authenticated upgrade");
    return plain(403, "forbidden: Origin required\n");
  }
  auth::ExpectedOrigin expected;
  if (settings_.public_url) {
    expected.scheme = settings_.public_url->scheme;
    expected.host_header =
        settings_.public_url->host + ":" + std::to_string(settings_.public_url->port);
  } else {
    expected.host_header = req.header("Host").value_or("");
    if (browserUsedHttps(req)) expected.scheme = "https";
  }
  if (auth::originMatches(*origin, expected)) return std::nullopt;
  log::info(kLog, "websocket refused from " + req.remoteAddress() + ": Origin " + *origin +
                      " is not this session's origin");
  return plain(403, "forbidden: cross-origin WebSocket\n");
}

std::optional<http::Response> Access::authorize(const http::Request& req, http::Route route) {
  // A foreign Origin is refused before any credential is looked at.
  if (route == http::Route::kSignalling && req.header("Origin")) {
    if (auto refusal = checkOrigin(req, Via::kOpen)) return refusal;
  }
  if (verifier_ && route == http::Route::kStatic) {
    if (auto token = req.query("token")) return exchangeTicket(req, *token);
  }
  const std::string client = clientOf(req);
  const auto authorization = req.header("Authorization");
  if (config_.auth.enable_basic_auth && authorization && http::parseBasic(*authorization)) {
    const auto wait = throttle_.blockedFor(client, auth::FailureThrottle::Clock::now());
    if (wait > 0) {
      auto r = plain(429, "too many failed sign-ins; try again later\n");
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
  }
  bool basic_failed = false;
  auto id = identifyOrError(req, &basic_failed);
  if (!id) {
    if (basic_failed) {
      throttle_.recordFailure(client, auth::FailureThrottle::Clock::now());
    }
    log::info(kLog, "refused " + std::string(req.path()) + " from " + req.remoteAddress() + ": " +
                        id.error().message);
    return unauthorized(id.error().message);
  }
  if (id->via == Via::kBasic) throttle_.recordSuccess(client);
  if (route == http::Route::kSignalling) return checkOrigin(req, id->via);
  return std::nullopt;
}

std::optional<http::Response> Access::chargeDownload(const http::Request& req, std::size_t bytes) {
  const std::string client = clientOf(req);
  const int wait = downloads_.take(client, bytes, http::DownloadBudget::Clock::now());
  if (wait == 0) return std::nullopt;
  log::info(kLog, "self-test download refused to " + client + ": over its budget");
  auto r = plain(429, "self-test download budget used up; try again later\n");
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
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
  if (replays_.wasUsed(fresh->token_id, std::chrono::system_clock::now())) {
    return fail("jwt jti: this ?token= ticket was already exchanged for a session cookie");
  }
  auth::Principal current;
  current.subject = peer.subject;
  current.role = peer.can_control ? auth::Role::kControl : auth::Role::kView;
  current.expires_at = peer.lease ? peer.lease->expires_at : std::chrono::system_clock::now();
  auto accepted = auth::acceptRefresh(current, *fresh);
  if (!accepted) return Unexpected<Error>{accepted.error()};
  const auto exp =
      std::chrono::duration_cast<std::chrono::seconds>(accepted->expires_at.time_since_epoch())
          .count();
  const auth::Role role = auth::liveRole(current.role, accepted->role);
  return session::Refreshed{leaseFor(accepted->expires_at), role == auth::Role::kControl,
                            "{\"expires_at\":" + std::to_string(exp) + ",\"role\":\"" +
                                std::string(auth::roleName(role)) + "\"}"};
}

}  // namespace ds::app
