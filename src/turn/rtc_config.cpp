#include "turn/rtc_config.hpp"

#include <gnutls/crypto.h>

#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace ds::turn {
namespace {

using nlohmann::json;

std::string turnUrl(const IceSettings& s) {
  return std::string(s.turn_tls ? "turns:" : "turn:") + s.turn_host + ":" +
         std::to_string(s.turn_port) + "?transport=" + s.turn_protocol;
}

TurnCredentials credentialsFor(const IceSettings& s, std::string_view user,
                               std::chrono::system_clock::time_point now) {
  if (!s.turn_username.empty()) return {s.turn_username, s.turn_password};
  return restCredentials(s.turn_shared_secret, restUser(s.identity, user),
                         now + s.credential_lifetime);
}

bool hasTurn(const IceSettings& s) {
  return !s.turn_host.empty() && (!s.turn_username.empty() || !s.turn_shared_secret.empty());
}

std::string hostPort(std::string_view host, int port) {
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

std::vector<std::string> stunUrls(const IceSettings& s) {
  std::vector<std::string> out;
  if (!hasTurn(s)) {
    if (!s.stun_host.empty()) out.push_back("stun:" + hostPort(s.stun_host, s.stun_port));
    return out;
  }
  // Selkies' order with a TURN server: the STUN host (unless it is the TURN server), the TURN
  // server itself, then Google's public STUN unless that is already the STUN host.
  if (!s.stun_host.empty() && (s.stun_host != s.turn_host || s.stun_port != s.turn_port)) {
    out.push_back("stun:" + hostPort(s.stun_host, s.stun_port));
  }
  out.push_back("stun:" + hostPort(s.turn_host, s.turn_port));
  if (!s.stun_host.empty() && (s.stun_host != kGoogleStunHost || s.stun_port != kGoogleStunPort)) {
    out.push_back("stun:" + hostPort(kGoogleStunHost, kGoogleStunPort));
  }
  return out;
}

std::string restUser(std::string_view identity, std::string_view user) {
  if (identity.empty()) return std::string(user);
  std::string id(identity);
  for (char& c : id) {
    if (c == ':' || c == '/') c = '-';
  }
  return id + "/" + std::string(user.empty() ? "username" : user);
}

TurnCredentials restCredentials(std::string_view secret, std::string_view user,
                                std::chrono::system_clock::time_point expiry) {
  std::string clean(user.empty() ? "username" : user);
  for (char& c : clean) {
    if (c == ':') c = '-';
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(expiry.time_since_epoch()).count();
  TurnCredentials out;
  out.username = std::to_string(seconds) + ":" + clean;
  unsigned char digest[20];
  gnutls_hmac_fast(GNUTLS_MAC_SHA1, secret.data(), secret.size(), out.username.data(),
                   out.username.size(), digest);
  out.password =
      base64Encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  return out;
}

Result<std::string> buildRtcConfig(const IceSettings& s, std::string_view user,
                                   std::chrono::system_clock::time_point now,
                                   const std::optional<std::string>& override_json) {
  if (override_json) {
    const json j = json::parse(*override_json, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("iceServers")) {
      return fail("SELKIES_RTC_CONFIG_JSON file is not an RTC configuration (needs iceServers)");
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  json servers = json::array();
  if (auto stun = stunUrls(s); !stun.empty()) servers.push_back({{"urls", stun}});
  if (hasTurn(s)) {
    const auto creds = credentialsFor(s, user, now);
    servers.push_back({{"urls", json::array({turnUrl(s)})},
                       {"username", creds.username},
                       {"credential", creds.password}});
  }
  const json out = {{"lifetimeDuration", std::to_string(s.credential_lifetime.count()) + "s"},
                    {"iceServers", servers},
                    {"blockStatus", "NOT_BLOCKED"},
                    {"iceTransportPolicy", s.force_relay ? "relay" : "all"}};
  // The user comes from a request header: never throw on invalid UTF-8.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

ServerUris serverUris(const IceSettings& s, std::string_view user,
                      std::chrono::system_clock::time_point now) {
  ServerUris out;
  // webrtcbin takes one STUN server: the first of the /turn list, as Selkies gives it.
  if (auto stun = stunUrls(s); !stun.empty()) out.stun = "stun://" + stun.front().substr(5);
  if (hasTurn(s)) {
    const auto creds = credentialsFor(s, user, now);
    out.turn.push_back(std::string(s.turn_tls ? "turns://" : "turn://") +
                       percentEncode(creds.username) + ":" + percentEncode(creds.password) + "@" +
                       s.turn_host + ":" + std::to_string(s.turn_port) +
                       "?transport=" + s.turn_protocol);
  }
  return out;
}

}  // namespace ds::turn
