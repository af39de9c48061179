// Option rows, third part: deskstream's own settings (DISPLAY and DESKSTREAM_*).
#include <algorithm>
#include <string>
#include <vector>

#include "config/option_builders.hpp"
#include "core/strings.hpp"

namespace ds::config::rows {

void appendDeskstreamOptions(std::vector<Option>& o, const std::vector<std::string>& encoders) {
  o.push_back(opt("display", "DISPLAY", ":0", "X display to stream", "an X display name, e.g. :0",
                  [](Config& c, std::string_view v) {
                    if (trim(v).empty()) return false;
                    c.desktop.display = std::string(trim(v));
                    return true;
                  }));
  o.push_back(opt("force_relay", "DESKSTREAM_FORCE_RELAY", "false",
                  "Tell browsers to use TURN relays only (iceTransportPolicy=relay)", kBool,
                  boolean(at(&Config::ice, &IceConfig::force_relay))));
  o.push_back(opt("public_url", "DESKSTREAM_PUBLIC_URL", "",
                  "The URL browsers use for this session through the gateway, e.g. "
                  "https://desk.example/s/s-123/: its origin is the only WebSocket Origin "
                  "accepted, its path scopes the session cookie, https makes the cookie Secure",
                  "http(s)://host[:port]/path", str(at(&Config::auth, &AuthConfig::public_url))));
  o.push_back(opt("trusted_proxies", "DESKSTREAM_TRUSTED_PROXIES", "",
                  "Gateway addresses (IPs or CIDR blocks, comma-separated) whose X-Forwarded-For, "
                  "X-Forwarded-Proto, X-Forwarded-Prefix and TURN user header are believed",
                  "IP addresses or CIDR blocks",
                  str(at(&Config::auth, &AuthConfig::trusted_proxies))));
  o.push_back(opt("basic_auth_max_failures", "DESKSTREAM_BASIC_AUTH_MAX_FAILURES", "5",
                  "Failed Basic-auth attempts per client address before it gets 429",
                  "an integer 1..1000",
                  integer(at(&Config::auth, &AuthConfig::basic_auth_max_failures), 1, 1000)));
  o.push_back(opt("basic_auth_lockout", "DESKSTREAM_BASIC_AUTH_LOCKOUT", "60",
                  "Seconds over which failures count, and of the lockout after the last one",
                  "an integer 1..86400",
                  integer(at(&Config::auth, &AuthConfig::basic_auth_lockout_s), 1, 86400)));
  o.push_back(opt("turn_credential_lifetime", "DESKSTREAM_TURN_CREDENTIAL_LIFETIME", "3600",
                  "Seconds a TURN REST credential handed to a browser stays valid (never beyond "
                  "the token's exp with JWT)",
                  "an integer 60..86400",
                  integer(at(&Config::ice, &IceConfig::turn_credential_lifetime_s), 60, 86400)));
  o.push_back(opt("turn_identity", "DESKSTREAM_TURN_IDENTITY", "",
                  "This session's TURN identity, in every REST user name "
                  "(\"<expiry>:<identity>/<user>\"); default: DESKSTREAM_JWT_SESSION, else "
                  "$HOSTNAME plus a random suffix per start",
                  kAnyText, str(at(&Config::ice, &IceConfig::turn_identity))));
  o.push_back(opt("turn_rest_interval", "DESKSTREAM_TURN_REST_INTERVAL", "60",
                  "Seconds between two fetches from SELKIES_TURN_REST_URI", "an integer 1..86400",
                  integer(at(&Config::ice, &IceConfig::turn_rest_interval_s), 1, 86400)));
  o.push_back(
      opt("extra_encoders", "DESKSTREAM_EXTRA_ENCODERS", "vp8enc,vp9enc",
          "Encoders of other codecs offered to each browser after SELKIES_ENCODER's, in order of "
          "preference (a browser that cannot decode the first codec gets the next; a second codec "
          "in use costs a second encode); each is probed at startup and left out when it cannot "
          "run here; empty: offer SELKIES_ENCODER's codec only",
          "a comma-separated list of SELKIES_ENCODER values, or empty",
          [encoders](Config& c, std::string_view v) {
            std::vector<std::string> list;
            for (auto item : split(v, ',')) {
              const std::string e = toLower(trim(item));
              if (e.empty()) continue;
              if (std::find(encoders.begin(), encoders.end(), e) == encoders.end()) return false;
              if (std::find(list.begin(), list.end(), e) == list.end()) list.push_back(e);
            }
            if (list.size() > 8) return false;
            c.video.extra_encoders = std::move(list);
            return true;
          }));
  o.push_back(opt("bench_baseline", "DESKSTREAM_BENCH_BASELINE", "false",
                  "Benchmarks only (bench/latency A/B): stream with a naive pipeline instead - "
                  "videoconvert and plain x264enc tune=zerolatency, no playout-delay extension, "
                  "every frame encoded",
                  kBool, boolean(at(&Config::video, &VideoConfig::bench_baseline))));
  o.push_back(opt("max_peers", "DESKSTREAM_MAX_PEERS", "16",
                  "Most WebRTC peers at once in this process (one per HELLO: a browser tab with "
                  "sound uses two); more get an ERROR before any WebRTC object is made",
                  "an integer 1..1000", integer(at(&Config::peers, &PeersConfig::max), 1, 1000)));
  o.push_back(opt("max_peers_per_user", "DESKSTREAM_MAX_PEERS_PER_USER", "8",
                  "Most WebRTC peers at once per user (JWT sub, Basic-auth user, or everyone "
                  "together without auth)",
                  "an integer 1..1000",
                  integer(at(&Config::peers, &PeersConfig::max_per_user), 1, 1000)));
  o.push_back(opt("http_max_connections", "DESKSTREAM_HTTP_MAX_CONNECTIONS", "256",
                  "Open HTTP/WebSocket connections at once (all clients); more are answered 503 "
                  "and closed",
                  "an integer 1..65535",
                  integer(at(&Config::http, &HttpConfig::max_connections), 1, 65535)));
  o.push_back(opt("http_max_connections_per_address", "DESKSTREAM_HTTP_MAX_CONNECTIONS_PER_ADDRESS",
                  "64",
                  "Open connections from one client IP address; 0 = no per-address limit (e.g. "
                  "when every client comes through one gateway address)",
                  "an integer 0..65535",
                  integer(at(&Config::http, &HttpConfig::max_connections_per_address), 0, 65535)));
  o.push_back(opt("http_header_timeout", "DESKSTREAM_HTTP_HEADER_TIMEOUT", "10",
                  "Seconds a new connection has to deliver its complete request headers",
                  "an integer 1..300",
                  integer(at(&Config::http, &HttpConfig::header_timeout_s), 1, 300)));
  o.push_back(opt("http_idle_timeout", "DESKSTREAM_HTTP_IDLE_TIMEOUT", "60",
                  "Seconds without any data from the client before a connection (also a "
                  "WebSocket: the server pings every third of this, at most every 20 s) is closed",
                  "an integer 3..3600",
                  integer(at(&Config::http, &HttpConfig::idle_timeout_s), 3, 3600)));
}

}  // namespace ds::config::rows
