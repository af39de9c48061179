// Typed configuration of deskstream, grouped by subsystem (config.http.*, config.video.*, ...).
// Every field has a Selkies-compatible SELKIES_* (or DESKSTREAM_*) environment variable and
// --flag. The option table (options.hpp, rows in options_*.cpp) is the single source of truth for
// names, defaults, help, validation and which values are secret: a Config comes from load(),
// which applies every row's default or given value, so the zero values below are only
// placeholders (`deskstream --help` and docs/selkies-compat.md list the defaults).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace ds::config {

enum class ClipboardMode { kOff, kIn, kOut, kBoth };

// The HTTP/WebSocket server: SELKIES_ADDR, _PORT, _WEB_ROOT, _ENABLE_HTTPS, _HTTPS_*, and its
// limits (DESKSTREAM_HTTP_*), enforced before any request is read.
struct HttpConfig {
  std::string addr;
  int port = 0;
  std::string web_root;
  bool enable_https = false;
  std::string https_cert;
  std::string https_key;
  int max_connections = 0;
  int max_connections_per_address = 0;  // 0: no per-address limit
  int header_timeout_s = 0;
  int idle_timeout_s = 0;
};

// Basic auth and access hardening (docs/access.md; validated by the app with the auth module's
// parsers). The JWT settings are the auth module's own options (Config::extra).
struct AuthConfig {
  bool enable_basic_auth = false;
  std::string basic_auth_user;
  std::string basic_auth_password;
  int basic_auth_max_failures = 0;  // DESKSTREAM_BASIC_AUTH_MAX_FAILURES
  int basic_auth_lockout_s = 0;     // DESKSTREAM_BASIC_AUTH_LOCKOUT
  std::string public_url;           // DESKSTREAM_PUBLIC_URL
  std::string trusted_proxies;      // DESKSTREAM_TRUSTED_PROXIES
};

// ICE servers: the RTC configuration file, TURN REST, TURN and STUN settings.
struct IceConfig {
  std::string rtc_config_json;
  std::string turn_rest_uri;
  std::string turn_rest_username;
  std::string turn_rest_username_auth_header;
  std::string turn_rest_protocol_header;
  std::string turn_rest_tls_header;
  int turn_rest_interval_s = 0;  // DESKSTREAM_TURN_REST_INTERVAL: seconds between fetches
  std::string turn_host;
  int turn_port = 0;  // 0: no TURN server
  std::string turn_protocol;
  bool turn_tls = false;
  std::string turn_shared_secret;
  std::string turn_username;
  std::string turn_password;
  std::string stun_host;
  int stun_port = 0;  // 0: no STUN server
  bool enable_cloudflare_turn = false;
  std::string cloudflare_turn_token_id;
  std::string cloudflare_turn_api_token;
  bool force_relay = false;            // DESKSTREAM_FORCE_RELAY
  int turn_credential_lifetime_s = 0;  // DESKSTREAM_TURN_CREDENTIAL_LIFETIME
  std::string turn_identity;           // DESKSTREAM_TURN_IDENTITY
};

// The video stream.
struct VideoConfig {
  std::string encoder;  // SELKIES_ENCODER
  // DESKSTREAM_EXTRA_ENCODERS: encoders of other codecs offered after `encoder`'s, in order of
  // preference; each is probed at startup and left out if it cannot run.
  std::vector<std::string> extra_encoders;
  int gpu_id = 0;
  int framerate = 0;
  int bitrate_kbps = 0;
  double keyframe_distance_s = 0;  // -1 = keyframes only on request
  bool congestion_control = false;
  double packetloss_percent = 0;
  bool bench_baseline = false;  // bench/latency's naive A/B baseline pipeline
};

struct AudioConfig {
  int bitrate_bps = 0;
  int channels = 0;
  double packetloss_percent = 0;
};

// The X desktop: display, input, clipboard, cursors, app readiness and sockets.
struct DesktopConfig {
  std::string display;  // DISPLAY
  ClipboardMode clipboard = ClipboardMode::kOff;
  bool enable_resize = false;
  bool enable_cursors = false;
  bool debug_cursors = false;
  int cursor_size = 0;  // -1 = native size
  std::string uinput_mouse_socket;
  std::string js_socket_path;
  bool app_wait_ready = false;
  std::string app_ready_file;
};

// The client's WebRTC statistics as CSV files (SELKIES_ENABLE_WEBRTC_STATISTICS).
struct StatsConfig {
  bool enable = false;
  std::string dir;
};

// The Prometheus exporter (SELKIES_ENABLE_METRICS_HTTP).
struct MetricsConfig {
  bool enable_http = false;
  int http_port = 0;
};

// WebRTC peers (webrtcbins) in this process (DESKSTREAM_MAX_PEERS) and per user (JWT sub, Basic
// user; DESKSTREAM_MAX_PEERS_PER_USER).
struct PeersConfig {
  int max = 0;
  int max_per_user = 0;
};

struct Config {
  std::string json_config;  // SELKIES_JSON_CONFIG
  bool debug = false;       // --debug
  HttpConfig http;
  AuthConfig auth;
  IceConfig ice;
  VideoConfig video;
  AudioConfig audio;
  DesktopConfig desktop;
  StatsConfig stats;
  MetricsConfig metrics;
  PeersConfig peers;
  // Values of options contributed by other modules (e.g. DESKSTREAM_JWT_*), by env name; only
  // the ones that were set.
  std::map<std::string, std::string> extra;
};

// Where a value came from, for the startup log.
struct Setting {
  std::string flag;   // "port"
  std::string env;    // "SELKIES_PORT"
  std::string value;  // the effective value as text (secrets masked)
  bool from_default;
  bool supported;  // false: parsed and validated but the feature is not implemented yet
};

struct Loaded {
  Config config;
  std::vector<Setting> settings;
  // Values accepted although probably not what was meant, one line each naming the variable.
  std::vector<std::string> warnings;
};

using GetEnv = std::function<std::optional<std::string>(std::string_view)>;

// `--help` (or -h) was given: print `text` and exit successfully.
struct HelpRequested {
  std::string text;
};

// What the command line asks for: a loaded configuration, or the help.
using Outcome = std::variant<Loaded, HelpRequested>;

struct Option;
// Parses argv (CLI flags win over env vars, env vars over defaults) and validates every value.
// Returns an error naming the variable and the accepted values. `extra` options (other modules'
// settings) are parsed like the table's own: their values land in Config::extra when set by flag
// or environment.
Result<Outcome> load(int argc, const char* const* argv, const GetEnv& getenv,
                     const std::vector<Option>& extra = {});

// Rejects combinations that are individually valid but unusable together.
Status validateCombination(const Config& config);

std::string_view toString(ClipboardMode mode);

}  // namespace ds::config
