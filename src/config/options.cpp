#include "config/options.hpp"

#include <algorithm>
#include <utility>

#include "config/selkies_values.hpp"
#include "core/strings.hpp"

namespace ds::config {

Verdict Verdict::warn(std::string why) {
  Verdict v(true);
  v.warning = std::move(why);
  return v;
}

Verdict Verdict::refuse(std::string why) {
  Verdict v(false);
  v.reason = std::move(why);
  return v;
}

namespace {

using Apply = std::function<Verdict(Config&, std::string_view)>;

// A reader of config/selkies_values.hpp applied to one field.
template <typename T, typename R>
Verdict take(T& field, Result<selkies::Reading<R>> r) {
  if (!r) return Verdict::refuse(r.error().message);
  field = static_cast<T>(r->value);
  return r->warning.empty() ? Verdict(true) : Verdict::warn(r->warning);
}

template <typename T, typename R>
Verdict take(T& field, selkies::Reading<R> r) {
  field = std::move(r.value);
  return r.warning.empty() ? Verdict(true) : Verdict::warn(r.warning);
}

template <typename T>
Apply reader(T Config::*field, Result<selkies::Reading<T>> (*read)(std::string_view)) {
  return [field, read](Config& c, std::string_view v) { return take(c.*field, read(v)); };
}

Apply str(std::string Config::*field) {
  return [field](Config& c, std::string_view v) {
    c.*field = std::string(v);
    return true;
  };
}

// Every boolean reads as Selkies reads its own: "true" in any case, else false (warned).
Apply boolean(bool Config::*field) {
  return [field](Config& c, std::string_view v) { return take(c.*field, selkies::readBool(v)); };
}

// Python int() syntax, as Selkies reads its numbers.
Apply integer(int Config::*field, int64_t min, int64_t max) {
  return [field, min, max](Config& c, std::string_view v) {
    const auto n = selkies::pythonInt(v);
    if (!n || *n < min || *n > max) return false;
    c.*field = static_cast<int>(*n);
    return true;
  };
}

// A security switch: a word that means "on" elsewhere ("1", "yes", "on") would read as false on
// Selkies and turn authentication off; that is refused (fail closed) instead of warned.
Apply securitySwitch(bool Config::*field) {
  return [field](Config& c, std::string_view v) -> Verdict {
    const std::string s = toLower(trim(v));
    if (s == "1" || s == "yes" || s == "on" || s == "y" || s == "t" || s == "enabled") {
      return Verdict::refuse("\"" + std::string(v) +
                             "\" would read as false on Selkies and turn authentication off; say "
                             "true or false");
    }
    return take(c.*field, selkies::readBool(v));
  };
}

// A directory for Unix sockets: the socket paths under it (plus "/selkies_js0.sock", 17 bytes)
// must fit sockaddr_un's 108 bytes.
Apply socketDir(std::string Config::*field) {
  return [field](Config& c, std::string_view v) {
    if (v.size() > 90) return false;
    c.*field = std::string(v);
    return true;
  };
}

// A Unix socket path (sockaddr_un holds at most 107 bytes); empty: none.
Apply socketPath(std::string Config::*field) {
  return [field](Config& c, std::string_view v) {
    if (v.size() > 107) return false;
    c.*field = std::string(v);
    return true;
  };
}

Apply oneOf(std::string Config::*field, std::vector<std::string> allowed) {
  return [field, allowed = std::move(allowed)](Config& c, std::string_view v) {
    const std::string s = toLower(trim(v));
    for (const auto& a : allowed) {
      if (s == a) {
        c.*field = s;
        return true;
      }
    }
    return false;
  };
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Option opt(std::string flag, std::string env, std::string def, std::string help,
           std::string accepted, Apply apply, bool supported = true, bool secret = false) {
  Option o;
  o.flag = std::move(flag);
  o.env = std::move(env);
  o.default_text = std::move(def);
  o.help = std::move(help);
  o.accepted = std::move(accepted);
  o.supported = supported;
  o.secret = secret;
  o.apply = std::move(apply);
  return o;
}

constexpr const char* kBool = "true or false";
constexpr const char* kAnyText = "any text";
constexpr const char* kPort = "an integer 1..65535";
constexpr const char* kPortOrEmpty = "an integer 1..65535, or empty for none";
constexpr const char* kPercent = "a percentage 0..100 (fractions allowed)";

// STUN/TURN port: empty means no such server, as in Selkies (which needs host and port).
Apply clearsHostWhenEmpty(int Config::*port_field, std::string Config::*host_field,
                          const std::string& what) {
  return [port_field, host_field, what](Config& c, std::string_view v) {
    Verdict verdict = take(c.*port_field, selkies::readPort(v, true, "no " + what + " server"));
    if (verdict && c.*port_field == 0) (c.*host_field).clear();
    return verdict;
  };
}

std::vector<Option> build() {
  const std::vector<std::string> encoders = {"nvh264enc",   "nvh265enc", "nvav1enc", "vah264enc",
                                             "vah265enc",   "vavp9enc",  "vaav1enc", "x264enc",
                                             "openh264enc", "x265enc",   "vp8enc",   "vp9enc",
                                             "svtav1enc",   "av1enc",    "rav1enc"};
  std::vector<Option> o;
  o.push_back(opt("json_config", "SELKIES_JSON_CONFIG", "/tmp/selkies_config.json",
                  "JSON file whose framerate, video_bitrate, audio_bitrate, enable_resize and "
                  "encoder override the environment at startup; the client's changes are written "
                  "back to it, so this path must be writable",
                  kAnyText, str(&Config::json_config)));
  o.push_back(opt("addr", "SELKIES_ADDR", "0.0.0.0", "Listen address for HTTP and WebSocket",
                  "an IP address, localhost, or empty for every interface",
                  reader(&Config::addr, selkies::readListenAddress)));
  o.push_back(opt("port", "SELKIES_PORT", "8080", "Listen port for HTTP and WebSocket", kPort,
                  integer(&Config::port, 1, 65535)));
  o.push_back(opt("web_root", "SELKIES_WEB_ROOT", "/opt/gst-web",
                  "Directory of the web client; falls back to the installed client when it does "
                  "not exist",
                  kAnyText, str(&Config::web_root)));
  o.push_back(opt("enable_https", "SELKIES_ENABLE_HTTPS", "false", "Serve HTTPS and WSS", kBool,
                  boolean(&Config::enable_https)));
  o.push_back(opt("https_cert", "SELKIES_HTTPS_CERT", "/etc/ssl/certs/ssl-cert-snakeoil.pem",
                  "TLS certificate (PEM)", kAnyText, str(&Config::https_cert)));
  o.push_back(opt("https_key", "SELKIES_HTTPS_KEY", "/etc/ssl/private/ssl-cert-snakeoil.key",
                  "TLS private key (PEM); empty if the key is inside the certificate file",
                  kAnyText, str(&Config::https_key)));
  o.push_back(opt("enable_basic_auth", "SELKIES_ENABLE_BASIC_AUTH", "true",
                  "HTTP Basic auth on the page, /turn and the WebSocket (never on /health)", kBool,
                  securitySwitch(&Config::enable_basic_auth)));
  o.push_back(opt("basic_auth_user", "SELKIES_BASIC_AUTH_USER", "$USER",
                  "Basic auth user name (default: $USER, else empty)", kAnyText,
                  str(&Config::basic_auth_user)));
  o.push_back(opt("basic_auth_password", "SELKIES_BASIC_AUTH_PASSWORD", "mypasswd",
                  "Basic auth password; must not be empty when basic auth is on", kAnyText,
                  str(&Config::basic_auth_password), true, true));
  o.push_back(opt("rtc_config_json", "SELKIES_RTC_CONFIG_JSON", "/tmp/rtc.json",
                  "If this file exists, its RTC configuration replaces all other STUN/TURN "
                  "settings, for /turn and the server's own ICE servers (read again at each use)",
                  kAnyText, str(&Config::rtc_config_json)));
  o.push_back(opt("turn_rest_uri", "SELKIES_TURN_REST_URI", "",
                  "TURN REST endpoint (http(s) URL) whose RTC configuration is used for /turn and "
                  "the server's own ICE servers, fetched at start and every "
                  "DESKSTREAM_TURN_REST_INTERVAL seconds",
                  kAnyText, str(&Config::turn_rest_uri)));
  o.push_back(opt("turn_rest_username", "SELKIES_TURN_REST_USERNAME", "selkies-$HOSTNAME",
                  "User name sent to the TURN REST endpoint", kAnyText,
                  str(&Config::turn_rest_username)));
  o.push_back(opt("turn_rest_username_auth_header", "SELKIES_TURN_REST_USERNAME_AUTH_HEADER",
                  "x-auth-user",
                  "Header carrying the user name (to the REST endpoint; read by /turn in "
                  "shared-secret mode only from DESKSTREAM_TRUSTED_PROXIES)",
                  kAnyText, str(&Config::turn_rest_username_auth_header)));
  o.push_back(opt("turn_rest_protocol_header", "SELKIES_TURN_REST_PROTOCOL_HEADER",
                  "x-turn-protocol",
                  "Header carrying SELKIES_TURN_PROTOCOL (udp/tcp) to the REST endpoint", kAnyText,
                  str(&Config::turn_rest_protocol_header)));
  o.push_back(opt("turn_rest_tls_header", "SELKIES_TURN_REST_TLS_HEADER", "x-turn-tls",
                  "Header carrying SELKIES_TURN_TLS (true/false) to the REST endpoint", kAnyText,
                  str(&Config::turn_rest_tls_header)));
  o.push_back(opt("turn_host", "SELKIES_TURN_HOST", "staticauth.openrelay.metered.ca",
                  "TURN host (IPv6 in [ ]); empty disables TURN", kAnyText,
                  str(&Config::turn_host)));
  o.push_back(opt("turn_port", "SELKIES_TURN_PORT", "443", "TURN port", kPortOrEmpty,
                  clearsHostWhenEmpty(&Config::turn_port, &Config::turn_host, "TURN")));
  o.push_back(opt("turn_protocol", "SELKIES_TURN_PROTOCOL", "udp", "TURN transport", "udp or tcp",
                  [](Config& c, std::string_view v) {
                    return take(c.turn_protocol, selkies::readTurnProtocol(v));
                  }));
  o.push_back(opt("turn_tls", "SELKIES_TURN_TLS", "false", "Use turns: (TLS) URIs", kBool,
                  boolean(&Config::turn_tls)));
  o.push_back(opt("turn_shared_secret", "SELKIES_TURN_SHARED_SECRET", "openrelayprojectsecret",
                  "TURN REST shared secret (HMAC-SHA1 credentials); used when no TURN user is set",
                  kAnyText, str(&Config::turn_shared_secret), true, true));
  o.push_back(opt("turn_username", "SELKIES_TURN_USERNAME", "",
                  "Long-term TURN user name (wins over the shared secret)", kAnyText,
                  str(&Config::turn_username)));
  o.push_back(opt("turn_password", "SELKIES_TURN_PASSWORD", "", "Long-term TURN password", kAnyText,
                  str(&Config::turn_password), true, true));
  o.push_back(opt("stun_host", "SELKIES_STUN_HOST", "stun.l.google.com",
                  "STUN host; empty: none besides the TURN server", kAnyText,
                  str(&Config::stun_host)));
  o.push_back(opt("stun_port", "SELKIES_STUN_PORT", "19302", "STUN port", kPortOrEmpty,
                  clearsHostWhenEmpty(&Config::stun_port, &Config::stun_host, "STUN")));
  o.push_back(opt("enable_cloudflare_turn", "SELKIES_ENABLE_CLOUDFLARE_TURN", "false",
                  "Fetch TURN credentials from the Cloudflare Calls API", kBool,
                  boolean(&Config::enable_cloudflare_turn), false));
  o.push_back(opt("cloudflare_turn_token_id", "SELKIES_CLOUDFLARE_TURN_TOKEN_ID", "",
                  "Cloudflare TURN token id", kAnyText, str(&Config::cloudflare_turn_token_id),
                  false));
  o.push_back(opt("cloudflare_turn_api_token", "SELKIES_CLOUDFLARE_TURN_API_TOKEN", "",
                  "Cloudflare TURN API token", kAnyText, str(&Config::cloudflare_turn_api_token),
                  false, true));
  o.push_back(opt("app_wait_ready", "SELKIES_APP_WAIT_READY", "false",
                  "Wait for the ready file before starting", kBool,
                  boolean(&Config::app_wait_ready)));
  o.push_back(opt("app_ready_file", "SELKIES_APP_READY_FILE", "/tmp/selkies-appready",
                  "Ready file waited for when app_wait_ready is true", kAnyText,
                  str(&Config::app_ready_file)));
  o.push_back(opt("uinput_mouse_socket", "SELKIES_UINPUT_MOUSE_SOCKET", "",
                  "Unix datagram socket of a uinput mouse: relative motion, buttons and wheel "
                  "are sent there as Selkies sends them (XTest while it does not answer, and "
                  "when empty)",
                  "a Unix socket path of at most 107 bytes",
                  socketPath(&Config::uinput_mouse_socket)));
  o.push_back(opt("js_socket_path", "SELKIES_JS_SOCKET_PATH", "/tmp",
                  "Directory where the browser's gamepads 0..3 appear as the Unix sockets "
                  "selkies_js0.sock .. selkies_js3.sock that the Selkies joystick interposer "
                  "reads (e.g. /tmp/selkies_js0.sock)",
                  "a directory path of at most 90 bytes", socketDir(&Config::js_socket_path)));
  o.push_back(opt("encoder", "SELKIES_ENCODER", "x264enc",
                  "Video encoder; falls back to x264enc when it is not available", join(encoders),
                  oneOf(&Config::encoder, encoders)));
  o.push_back(opt("gpu_id", "SELKIES_GPU_ID", "0", "GPU index for nv* and va* encoders",
                  "a whole number 0..1000 (negative: the default GPU)",
                  reader(&Config::gpu_id, selkies::readGpuId)));
  o.push_back(opt("framerate", "SELKIES_FRAMERATE", "60", "Capture and encode frame rate (fps)",
                  "a whole number of frames per second, at least 1",
                  reader(&Config::framerate, selkies::readFramerate)));
  o.push_back(opt("video_bitrate", "SELKIES_VIDEO_BITRATE", "8000", "Video bitrate in kbit/s",
                  "a whole number of kbit/s 1..2048000",
                  reader(&Config::video_bitrate_kbps, selkies::readVideoBitrate)));
  o.push_back(opt("keyframe_distance", "SELKIES_KEYFRAME_DISTANCE", "-1",
                  "Seconds between keyframes; -1 = only on request (PLI/FIR)",
                  "a number of seconds (fractions allowed) or -1",
                  reader(&Config::keyframe_distance_s, selkies::readKeyframeDistance)));
  o.push_back(opt("congestion_control", "SELKIES_CONGESTION_CONTROL", "true",
                  "Congestion control: the browser's transport-wide feedback (TWCC) drives the "
                  "encoder bitrate and frame rate (on by default, unlike Selkies)",
                  kBool, boolean(&Config::congestion_control)));
  o.push_back(opt("video_packetloss_percent", "SELKIES_VIDEO_PACKETLOSS_PERCENT", "0",
                  "Expected video loss; >0 enables ULPFEC/RED at that percentage", kPercent,
                  reader(&Config::video_packetloss_percent, selkies::readLossPercent)));
  o.push_back(opt("audio_bitrate", "SELKIES_AUDIO_BITRATE", "128000", "Opus bitrate in bit/s",
                  "a whole number of bit/s",
                  reader(&Config::audio_bitrate_bps, selkies::readAudioBitrate)));
  o.push_back(opt("audio_channels", "SELKIES_AUDIO_CHANNELS", "2", "Audio channels",
                  "an integer 1..8", integer(&Config::audio_channels, 1, 8)));
  o.push_back(opt("audio_packetloss_percent", "SELKIES_AUDIO_PACKETLOSS_PERCENT", "0",
                  "Expected audio loss; >0 enables Opus in-band FEC", kPercent,
                  reader(&Config::audio_packetloss_percent, selkies::readLossPercent)));
  o.push_back(opt("enable_clipboard", "SELKIES_ENABLE_CLIPBOARD", "true",
                  "Clipboard sync: true (both ways), false, in (browser to desktop), out "
                  "(desktop to browser)",
                  "true, false, in or out", [](Config& c, std::string_view v) {
                    return take(c.clipboard, selkies::readClipboard(v));
                  }));
  o.push_back(opt("enable_resize", "SELKIES_ENABLE_RESIZE", "false",
                  "Resize the X screen to the browser window", kBool,
                  boolean(&Config::enable_resize)));
  o.push_back(opt("enable_cursors", "SELKIES_ENABLE_CURSORS", "true",
                  "Send the remote cursor image to the browser", kBool,
                  boolean(&Config::enable_cursors)));
  o.push_back(opt("debug_cursors", "SELKIES_DEBUG_CURSORS", "false",
                  "Log every cursor change and write each new cursor image to "
                  "/tmp/cursor_<serial>.png (at most 256)",
                  kBool, boolean(&Config::debug_cursors)));
  o.push_back(opt("cursor_size", "SELKIES_CURSOR_SIZE", "-1",
                  "Size in pixels the remote cursor images are scaled to; -1 = native size. When "
                  "unset, XCURSOR_SIZE is used, so one variable sets the desktop's and the "
                  "browser's cursor size",
                  "-1 or a whole number of pixels",
                  reader(&Config::cursor_size, selkies::readCursorSize)));
  o.back().fallback_env = "XCURSOR_SIZE";
  o.push_back(opt("enable_webrtc_statistics", "SELKIES_ENABLE_WEBRTC_STATISTICS", "false",
                  "Write the client's WebRTC statistics to CSV files in "
                  "SELKIES_WEBRTC_STATISTICS_DIR, per connection selkies-stats-video-<time>.csv "
                  "and selkies-stats-audio-<time>.csv (bounded: 64 MiB a file, 512 MiB in all)",
                  kBool, boolean(&Config::enable_webrtc_statistics)));
  o.push_back(opt("webrtc_statistics_dir", "SELKIES_WEBRTC_STATISTICS_DIR", "/tmp",
                  "Directory for the statistics CSV files; must be writable when they are on",
                  kAnyText, str(&Config::webrtc_statistics_dir)));
  o.push_back(opt("enable_metrics_http", "SELKIES_ENABLE_METRICS_HTTP", "false",
                  "Serve Prometheus metrics at /metrics on their own port (no auth there)", kBool,
                  boolean(&Config::enable_metrics_http)));
  o.push_back(opt("metrics_http_port", "SELKIES_METRICS_HTTP_PORT", "8000",
                  "Port of the Prometheus exporter (on SELKIES_ADDR)", kPort,
                  integer(&Config::metrics_http_port, 1, 65535)));
  o.push_back(opt("display", "DISPLAY", ":0", "X display to stream", "an X display name, e.g. :0",
                  [](Config& c, std::string_view v) {
                    if (trim(v).empty()) return false;
                    c.display = std::string(trim(v));
                    return true;
                  }));
  o.push_back(opt("force_relay", "DESKSTREAM_FORCE_RELAY", "false",
                  "Tell browsers to use TURN relays only (iceTransportPolicy=relay)", kBool,
                  boolean(&Config::force_relay)));
  o.push_back(opt("public_url", "DESKSTREAM_PUBLIC_URL", "",
                  "The URL browsers use for this session through the gateway, e.g. "
                  "https://desk.example/s/s-123/: its origin is the only WebSocket Origin "
                  "accepted, its path scopes the session cookie, https makes the cookie Secure",
                  "http(s)://host[:port]/path", str(&Config::public_url)));
  o.push_back(opt("trusted_proxies", "DESKSTREAM_TRUSTED_PROXIES", "",
                  "Gateway addresses (IPs or CIDR blocks, comma-separated) whose X-Forwarded-For, "
                  "X-Forwarded-Proto, X-Forwarded-Prefix and TURN user header are believed",
                  "IP addresses or CIDR blocks", str(&Config::trusted_proxies)));
  o.push_back(opt("basic_auth_max_failures", "DESKSTREAM_BASIC_AUTH_MAX_FAILURES", "5",
                  "Failed Basic-auth attempts per client address before it gets 429",
                  "an integer 1..1000", integer(&Config::basic_auth_max_failures, 1, 1000)));
  o.push_back(opt("basic_auth_lockout", "DESKSTREAM_BASIC_AUTH_LOCKOUT", "60",
                  "Seconds over which failures count, and of the lockout after the last one",
                  "an integer 1..86400", integer(&Config::basic_auth_lockout_s, 1, 86400)));
  o.push_back(opt("turn_credential_lifetime", "DESKSTREAM_TURN_CREDENTIAL_LIFETIME", "3600",
                  "Seconds a TURN REST credential handed to a browser stays valid (never beyond "
                  "the token's exp with JWT)",
                  "an integer 60..86400", integer(&Config::turn_credential_lifetime_s, 60, 86400)));
  o.push_back(opt("turn_identity", "DESKSTREAM_TURN_IDENTITY", "",
                  "This session's TURN identity, in every REST user name "
                  "(\"<expiry>:<identity>/<user>\"); default: DESKSTREAM_JWT_SESSION, else "
                  "$HOSTNAME plus a random suffix per start",
                  kAnyText, str(&Config::turn_identity)));
  o.push_back(opt("turn_rest_interval", "DESKSTREAM_TURN_REST_INTERVAL", "60",
                  "Seconds between two fetches from SELKIES_TURN_REST_URI", "an integer 1..86400",
                  integer(&Config::turn_rest_interval_s, 1, 86400)));
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
            c.extra_encoders = std::move(list);
            return true;
          }));
  o.push_back(opt("bench_baseline", "DESKSTREAM_BENCH_BASELINE", "false",
                  "Benchmarks only (bench/latency A/B): stream with a naive pipeline instead - "
                  "videoconvert and plain x264enc tune=zerolatency, no playout-delay extension, "
                  "every frame encoded",
                  kBool, boolean(&Config::bench_baseline)));
  o.push_back(opt("max_peers", "DESKSTREAM_MAX_PEERS", "16",
                  "Most WebRTC peers at once in this process (one per HELLO: a browser tab with "
                  "sound uses two); more get an ERROR before any WebRTC object is made",
                  "an integer 1..1000", integer(&Config::max_peers, 1, 1000)));
  o.push_back(opt("max_peers_per_user", "DESKSTREAM_MAX_PEERS_PER_USER", "8",
                  "Most WebRTC peers at once per user (JWT sub, Basic-auth user, or everyone "
                  "together without auth)",
                  "an integer 1..1000", integer(&Config::max_peers_per_user, 1, 1000)));
  o.push_back(opt("http_max_connections", "DESKSTREAM_HTTP_MAX_CONNECTIONS", "256",
                  "Open HTTP/WebSocket connections at once (all clients); more are answered 503 "
                  "and closed",
                  "an integer 1..65535", integer(&Config::http_max_connections, 1, 65535)));
  o.push_back(
      opt("http_max_connections_per_address", "DESKSTREAM_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "64",
          "Open connections from one client IP address; 0 = no per-address limit (e.g. "
          "when every client comes through one gateway address)",
          "an integer 0..65535", integer(&Config::http_max_connections_per_address, 0, 65535)));
  o.push_back(opt("http_header_timeout", "DESKSTREAM_HTTP_HEADER_TIMEOUT", "10",
                  "Seconds a new connection has to deliver its complete request headers",
                  "an integer 1..300", integer(&Config::http_header_timeout_s, 1, 300)));
  o.push_back(opt("http_idle_timeout", "DESKSTREAM_HTTP_IDLE_TIMEOUT", "60",
                  "Seconds without any data from the client before a connection (also a "
                  "WebSocket: the server pings every third of this, at most every 20 s) is closed",
                  "an integer 3..3600", integer(&Config::http_idle_timeout_s, 3, 3600)));
  return o;
}

}  // namespace

Option extraOption(std::string flag, std::string env, std::string default_text, std::string help,
                   bool secret) {
  Option o = opt(
      std::move(flag), env, std::move(default_text), std::move(help), kAnyText,
      [env](Config& c, std::string_view v) {
        c.extra[env] = std::string(v);
        return true;
      },
      true, secret);
  o.extra = true;
  return o;
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = build();
  return table;
}

}  // namespace ds::config
