#include "app/endpoints.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "app/access.hpp"
#include "app/display_probe.hpp"
#include "app/ice_sources.hpp"
#include "config/config.hpp"
#include "http/download_budget.hpp"
#include "session/manager.hpp"

namespace ds::app {

http::Response text(int status, std::string body) {
  return http::Response{status, "text/plain; charset=utf-8", std::move(body), {}};
}

http::Handlers makeHandlers(EndpointDeps d) {
  http::Handlers h;
  h.authorize = [d](const http::Request& req, http::Route route) {
    return d.access.authorize(req, route);
  };
  h.probe = [d](const http::Request&, http::Route route) {
    switch (route) {
      case http::Route::kHealthz:
        return text(200, "ok\n");
      case http::Route::kHealth:
      case http::Route::kReadyz: {
        // Cached; refreshed off the main loop at most once a second (app/display_probe.hpp).
        if (!d.display.reachable()) return text(503, "X display unreachable\n");
        // Body stays Selkies' "OK\n"; audio is reported in a header (never unhealthy).
        auto r = text(200, route == http::Route::kHealth ? "OK\n" : "ready\n");
        r.headers.emplace_back("X-Deskstream-Audio", d.sessions.audioStatus());
        return r;
      }
      default:
        return text(404, "not found\n");
    }
  };
  h.turn = [d](const http::Request& req) {
    // The TURN REST user: the token's subject with JWT; else Selkies' header, but only from a
    // trusted proxy (DESKSTREAM_TRUSTED_PROXIES); else the Basic user (or "anonymous").
    const auto id = d.access.identify(req);
    std::string user = id ? id->subject : "username";
    if (!d.access.jwtEnabled() && d.access.fromTrustedProxy(req)) {
      if (auto header = req.header(d.config.ice.turn_rest_username_auth_header.c_str())) {
        user = *header;
      }
    }
    auto settings = iceSettings(d.config);
    const auto now = std::chrono::system_clock::now();
    if (id && id->expires_at) {
      // TURN credentials never outlive the token that obtained them.
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(*id->expires_at - now);
      settings.credential_lifetime =
          std::clamp(left, std::chrono::seconds(1), settings.credential_lifetime);
    }
    auto [status, body] = d.ice.turnJson(settings, user, now);
    if (status != 200) return text(status, std::move(body));
    return http::Response{200, "application/json", std::move(body), {}};
  };
  h.selftest = [d](const http::Request& req) {
    // The connection self-test's throughput probe (web/src/selftest.js): N incompressible
    // bytes, within the per-client and total budgets (docs/security.md).
    auto bytes = http::selfTestBytes(req.query("bytes"));
    if (!bytes) return text(400, bytes.error().message + "\n");
    if (auto refusal = d.access.chargeDownload(req, *bytes)) return std::move(*refusal);
    return http::Response{200, "application/octet-stream", http::incompressibleBytes(*bytes), {}};
  };
  h.websocket = [d](std::shared_ptr<http::WebSocket> ws, const http::Request& req) {
    const auto id = d.access.identify(req);
    if (!id) {  // authorize() already refused it; the credentials expired in between
      ws->close(4401, "unauthorized");
      return;
    }
    session::PeerInfo info;
    info.remote = req.remoteAddress();
    info.can_control = id->can_control;
    info.subject = id->subject;
    if (id->expires_at) info.lease = d.access.leaseFor(*id->expires_at);
    d.sessions.accept(std::move(ws), std::move(info));
  };
  return h;
}

}  // namespace ds::app
