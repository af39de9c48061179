// Typed configuration of deskstream. Every field has a Selkies-compatible SELKIES_* environment
// variable and --flag with the same default and units (see options.cpp for the table, which is
// the single source of truth for names, defaults, help and validation).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ds::config {

enum class ClipboardMode { kOff, kIn, kOut, kBoth };

struct Config {
  // Files and server.
  std::string json_config = "/tmp/selkies_config.json";
  std::string addr = "0.0.0.0";
  int port = 8080;
  std::string web_root = "/opt/gst-web";
  bool enable_https = false;
  std::string https_cert = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
  std::string https_key = "/etc/ssl/private/ssl-cert-snakeoil.key";
  bool enable_basic_auth = true;
  std::string basic_auth_user;
  std::string basic_auth_password = "mypasswd";
  // ICE servers.
  std::string rtc_config_json = "/tmp/rtc.json";
  std::string turn_rest_uri;
  std::string turn_rest_username;
  std::string turn_rest_username_auth_header = "x-auth-user";
  std::string turn_rest_protocol_header = "x-turn-protocol";
  std::string turn_rest_tls_header = "x-turn-tls";
  std::string turn_host = "staticauth.openrelay.metered.ca";
  int turn_port = 443;
  std::string turn_protocol = "udp";
  bool turn_tls = false;
  std::string turn_shared_secret = "openrelayprojectsecret";
  std::string turn_username;
  std::string turn_password;
  std::string stun_host = "stun.l.google.com";
  int stun_port = 19302;
  bool enable_cloudflare_turn = false;
  std::string cloudflare_turn_token_id;
  std::string cloudflare_turn_api_token;
  // App readiness and sockets.
  bool app_wait_ready = false;
  std::string app_ready_file = "/tmp/selkies-appready";
  std::string uinput_mouse_socket;
  std::string js_socket_path = "/tmp";
  // Video.
  std::string encoder = "x264enc";
  int gpu_id = 0;
  int framerate = 60;
  int video_bitrate_kbps = 8000;
  double keyframe_distance_s = -1;  // -1 = keyframes only on request
  bool congestion_control = true;
  double video_packetloss_percent = 0;
  // Audio.
  int audio_bitrate_bps = 128000;
  int audio_channels = 2;
  double audio_packetloss_percent = 0;
  // Desktop.
  ClipboardMode clipboard = ClipboardMode::kBoth;
  bool enable_resize = false;
  bool enable_cursors = true;
  bool debug_cursors = false;
  int cursor_size = -1;
  // Statistics and metrics.
  bool enable_webrtc_statistics = false;
  std::string webrtc_statistics_dir = "/tmp";
  bool enable_metrics_http = false;
  int metrics_http_port = 8000;
  bool debug = false;
  // deskstream's own settings (DESKSTREAM_*).
  std::string display;  // DISPLAY
  bool force_relay = false;
  // Access hardening (docs/access.md): validated by the app with the auth module's parsers.
  std::string public_url;       // DESKSTREAM_PUBLIC_URL
  std::string trusted_proxies;  // DESKSTREAM_TRUSTED_PROXIES
  int basic_auth_max_failures = 5;
  int basic_auth_lockout_s = 60;
  int turn_credential_lifetime_s = 3600;
  // DESKSTREAM_TURN_REST_INTERVAL: seconds between SELKIES_TURN_REST_URI fetches (Selkies: 60).
  int turn_rest_interval_s = 60;
  std::string turn_identity;    // DESKSTREAM_TURN_IDENTITY
  bool bench_baseline = false;  // bench/latency's naive A/B baseline pipeline
  // DESKSTREAM_EXTRA_ENCODERS: encoders of other codecs offered after SELKIES_ENCODER's,
  // in order of preference; each is probed at startup and left out if it cannot run.
  std::vector<std::string> extra_encoders = {"vp8enc", "vp9enc"};
  int max_peers = 16;          // WebRTC peers (webrtcbins) in this process
  int max_peers_per_user = 8;  // of them, per user (JWT sub, Basic user)
  // HTTP limits (DESKSTREAM_HTTP_*), enforced before any request is read.
  int http_max_connections = 256;
  int http_max_connections_per_address = 64;  // 0: no per-address limit
  int http_header_timeout_s = 10;
  int http_idle_timeout_s = 60;
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

// Parses argv (CLI flags win over env vars, env vars over defaults) and validates every value.
// Returns an error naming the variable and the accepted values. `--help` output goes to
// `help_out` and returns an error with message "help".
struct Option;
// `extra` options (other modules' settings) are parsed like the table's own: their values land
// in Config::extra when set by flag or environment.
Result<Loaded> load(int argc, const char* const* argv, const GetEnv& getenv, std::string* help_out,
                    const std::vector<Option>& extra = {});

// Rejects combinations that are individually valid but unusable together.
Status validateCombination(const Config& config);

std::string_view toString(ClipboardMode mode);

}  // namespace ds::config
