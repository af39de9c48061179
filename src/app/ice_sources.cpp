#include "app/ice_sources.hpp"

#include <fstream>

#include "core/log.hpp"

namespace ds::app {
namespace {

// The server's own TURN credentials (webrtcbin) never leave the process; they last a day so
// coturn does not end a long relayed stream (it checks the expiry on every allocation refresh).
constexpr std::chrono::hours kServerTurnLifetime{24};

// SELKIES_RTC_CONFIG_JSON is read at each use (a changed file applies to the next viewer and
// the next /turn request, as Selkies reloads it); at most 1 MiB of it.
std::optional<std::string> readIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(1 << 20, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

turn::RestSettings restSettings(const config::Config& c) {
  turn::RestSettings r;
  r.uri = c.ice.turn_rest_uri;
  r.username = c.ice.turn_rest_username;
  r.username_header = c.ice.turn_rest_username_auth_header;
  r.protocol = c.ice.turn_protocol;
  r.protocol_header = c.ice.turn_rest_protocol_header;
  r.tls = c.ice.turn_tls;
  r.tls_header = c.ice.turn_rest_tls_header;
  r.force_relay = c.ice.force_relay;
  r.period = std::chrono::seconds(c.ice.turn_rest_interval_s);
  return r;
}

}  // namespace

turn::IceSettings iceSettings(const config::Config& c) {
  turn::IceSettings s;
  s.stun_host = c.ice.stun_host;
  s.stun_port = c.ice.stun_port;
  s.turn_host = c.ice.turn_host;
  s.turn_port = c.ice.turn_port;
  s.turn_protocol = c.ice.turn_protocol;
  s.turn_tls = c.ice.turn_tls;
  s.turn_username = c.ice.turn_username;
  s.turn_password = c.ice.turn_password;
  s.turn_shared_secret = c.ice.turn_shared_secret;
  s.identity = c.ice.turn_identity;
  s.credential_lifetime = std::chrono::seconds(c.ice.turn_credential_lifetime_s);
  s.force_relay = c.ice.force_relay;
  return s;
}

Status IceSources::startRest() {
  if (config_.ice.turn_rest_uri.empty()) return {};
  auto rest = turn::RestMonitor::create(restSettings(config_));
  if (!rest) return Unexpected<Error>{rest.error()};
  rest_ = std::move(*rest);
  rest_->start();
  if (!rest_->waitFirst(std::chrono::seconds(11))) {
    log::warn("app",
              "no TURN REST configuration yet; using the STUN/TURN settings until a refresh "
              "succeeds");
  }
  return {};
}

std::optional<turn::ParsedRtc> IceSources::external() {
  if (auto file = readIfExists(config_.ice.rtc_config_json)) {
    auto parsed = turn::parseRtcConfig(*file, config_.ice.force_relay);
    if (parsed) return std::move(*parsed);
    log::warn("app", "SELKIES_RTC_CONFIG_JSON " + config_.ice.rtc_config_json +
                         " is not an RTC configuration (" + parsed.error().message +
                         "); the viewer gets the other ICE settings");
  }
  if (rest_) return rest_->current();
  return std::nullopt;
}

webrtc::IceServers IceSources::serverIce() {
  if (auto ext = external()) return webrtc::IceServers{ext->uris.stun, ext->uris.turn};
  auto settings = iceSettings(config_);
  settings.credential_lifetime = kServerTurnLifetime;
  const auto uris = turn::serverUris(settings, "deskstream", std::chrono::system_clock::now());
  return webrtc::IceServers{uris.stun, uris.turn};
}

std::pair<int, std::string> IceSources::turnJson(const turn::IceSettings& settings,
                                                 std::string_view user,
                                                 std::chrono::system_clock::time_point now) {
  if (auto file = readIfExists(config_.ice.rtc_config_json)) {
    auto parsed = turn::parseRtcConfig(*file, config_.ice.force_relay);
    if (!parsed) {
      return {500, "SELKIES_RTC_CONFIG_JSON file is not an RTC configuration: " +
                       parsed.error().message + "\n"};
    }
    return {200, std::move(parsed->json)};
  }
  if (rest_) {
    if (auto fetched = rest_->current()) return {200, std::move(fetched->json)};
  }
  auto json = turn::buildRtcConfig(settings, user, now, std::nullopt);
  if (!json) return {500, json.error().message + "\n"};
  return {200, std::move(*json)};
}

}  // namespace ds::app
