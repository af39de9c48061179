// Option rows, first part: the JSON config file, the HTTP server, Basic auth, ICE servers, app
// readiness and sockets (Selkies' settings, in Selkies' order).
#include <string>
#include <vector>

#include "config/option_builders.hpp"

namespace ds::config::rows {

void appendServerOptions(std::vector<Option>& o) {
  o.push_back(opt("json_config", "SELKIES_JSON_CONFIG", "/tmp/selkies_config.json",
                  "JSON file whose framerate, video_bitrate, audio_bitrate, enable_resize and "
                  "encoder override the environment at startup; the client's changes are written "
                  "back to it, so this path must be writable",
                  kAnyText, str(at(&Config::json_config))));
  o.push_back(opt("addr", "SELKIES_ADDR", "0.0.0.0", "Listen address for HTTP and WebSocket",
                  "an IP address, localhost, or empty for every interface",
                  reader(at(&Config::http, &HttpConfig::addr), selkies::readListenAddress)));
  o.push_back(opt("port", "SELKIES_PORT", "8080", "Listen port for HTTP and WebSocket", kPort,
                  integer(at(&Config::http, &HttpConfig::port), 1, 65535)));
  o.push_back(opt("web_root", "SELKIES_WEB_ROOT", "/opt/gst-web",
                  "Directory of the web client; falls back to the installed client when it does "
                  "not exist",
                  kAnyText, str(at(&Config::http, &HttpConfig::web_root))));
  o.push_back(opt("enable_https", "SELKIES_ENABLE_HTTPS", "false", "Serve HTTPS and WSS", kBool,
                  boolean(at(&Config::http, &HttpConfig::enable_https))));
  o.push_back(opt("https_cert", "SELKIES_HTTPS_CERT", "/etc/ssl/certs/ssl-cert-snakeoil.pem",
                  "TLS certificate (PEM)", kAnyText,
                  str(at(&Config::http, &HttpConfig::https_cert))));
  o.push_back(opt("https_key", "SELKIES_HTTPS_KEY", "/etc/ssl/private/ssl-cert-snakeoil.key",
                  "TLS private key (PEM); empty if the key is inside the certificate file",
                  kAnyText, str(at(&Config::http, &HttpConfig::https_key))));
  o.push_back(opt("enable_basic_auth", "SELKIES_ENABLE_BASIC_AUTH", "true",
                  "HTTP Basic auth on the page, /turn and the WebSocket (never on /health)", kBool,
                  securitySwitch(at(&Config::auth, &AuthConfig::enable_basic_auth))));
  o.push_back(opt("basic_auth_user", "SELKIES_BASIC_AUTH_USER", "$USER",
                  "Basic auth user name (default: $USER, else empty)", kAnyText,
                  str(at(&Config::auth, &AuthConfig::basic_auth_user))));
  o.push_back(secret(opt("basic_auth_password", "SELKIES_BASIC_AUTH_PASSWORD", "mypasswd",
                         "Basic auth password; must not be empty when basic auth is on", kAnyText,
                         str(at(&Config::auth, &AuthConfig::basic_auth_password)))));
  o.push_back(opt("rtc_config_json", "SELKIES_RTC_CONFIG_JSON", "/tmp/rtc.json",
                  "If this file exists, its RTC configuration replaces all other STUN/TURN "
                  "settings, for /turn and the server's own ICE servers (read again at each use)",
                  kAnyText, str(at(&Config::ice, &IceConfig::rtc_config_json))));
  o.push_back(opt("turn_rest_uri", "SELKIES_TURN_REST_URI", "",
                  "TURN REST endpoint (http(s) URL) whose RTC configuration is used for /turn and "
                  "the server's own ICE servers, fetched at start and every "
                  "DESKSTREAM_TURN_REST_INTERVAL seconds",
                  kAnyText, str(at(&Config::ice, &IceConfig::turn_rest_uri))));
  o.push_back(opt("turn_rest_username", "SELKIES_TURN_REST_USERNAME", "selkies-$HOSTNAME",
                  "User name sent to the TURN REST endpoint", kAnyText,
                  str(at(&Config::ice, &IceConfig::turn_rest_username))));
  o.push_back(opt("turn_rest_username_auth_header", "SELKIES_TURN_REST_USERNAME_AUTH_HEADER",
                  "x-auth-user",
                  "Header carrying the user name (to the REST endpoint; read by /turn in "
                  "shared-secret mode only from DESKSTREAM_TRUSTED_PROXIES)",
                  kAnyText, str(at(&Config::ice, &IceConfig::turn_rest_username_auth_header))));
  o.push_back(opt("turn_rest_protocol_header", "SELKIES_TURN_REST_PROTOCOL_HEADER",
                  "x-turn-protocol",
                  "Header carrying SELKIES_TURN_PROTOCOL (udp/tcp) to the REST endpoint", kAnyText,
                  str(at(&Config::ice, &IceConfig::turn_rest_protocol_header))));
  o.push_back(opt("turn_rest_tls_header", "SELKIES_TURN_REST_TLS_HEADER", "x-turn-tls",
                  "Header carrying SELKIES_TURN_TLS (true/false) to the REST endpoint", kAnyText,
                  str(at(&Config::ice, &IceConfig::turn_rest_tls_header))));
  o.push_back(opt("turn_host", "SELKIES_TURN_HOST", "staticauth.openrelay.metered.ca",
                  "TURN host (IPv6 in [ ]); empty disables TURN", kAnyText,
                  str(at(&Config::ice, &IceConfig::turn_host))));
  o.push_back(opt("turn_port", "SELKIES_TURN_PORT", "443", "TURN port", kPortOrEmpty,
                  clearsHostWhenEmpty(at(&Config::ice, &IceConfig::turn_port),
                                      at(&Config::ice, &IceConfig::turn_host), "TURN")));
  o.push_back(opt("turn_protocol", "SELKIES_TURN_PROTOCOL", "udp", "TURN transport", "udp or tcp",
                  [](Config& c, std::string_view v) {
                    return take(c.ice.turn_protocol, selkies::readTurnProtocol(v));
                  }));
  o.push_back(opt("turn_tls", "SELKIES_TURN_TLS", "false", "Use turns: (TLS) URIs", kBool,
                  boolean(at(&Config::ice, &IceConfig::turn_tls))));
  o.push_back(
      secret(opt("turn_shared_secret", "SELKIES_TURN_SHARED_SECRET", "openrelayprojectsecret",
                 "TURN REST shared secret (HMAC-SHA1 credentials); used when no TURN user is set",
                 kAnyText, str(at(&Config::ice, &IceConfig::turn_shared_secret)))));
  o.push_back(opt("turn_username", "SELKIES_TURN_USERNAME", "",
                  "Long-term TURN user name (wins over the shared secret)", kAnyText,
                  str(at(&Config::ice, &IceConfig::turn_username))));
  o.push_back(secret(opt("turn_password", "SELKIES_TURN_PASSWORD", "", "Long-term TURN password",
                         kAnyText, str(at(&Config::ice, &IceConfig::turn_password)))));
  o.push_back(opt("stun_host", "SELKIES_STUN_HOST", "stun.l.google.com",
                  "STUN host; empty: none besides the TURN server", kAnyText,
                  str(at(&Config::ice, &IceConfig::stun_host))));
  o.push_back(opt("stun_port", "SELKIES_STUN_PORT", "19302", "STUN port", kPortOrEmpty,
                  clearsHostWhenEmpty(at(&Config::ice, &IceConfig::stun_port),
                                      at(&Config::ice, &IceConfig::stun_host), "STUN")));
  o.push_back(
      notYetSupported(opt("enable_cloudflare_turn", "SELKIES_ENABLE_CLOUDFLARE_TURN", "false",
                          "Fetch TURN credentials from the Cloudflare Calls API", kBool,
                          boolean(at(&Config::ice, &IceConfig::enable_cloudflare_turn)))));
  o.push_back(notYetSupported(opt("cloudflare_turn_token_id", "SELKIES_CLOUDFLARE_TURN_TOKEN_ID",
                                  "", "Cloudflare TURN token id", kAnyText,
                                  str(at(&Config::ice, &IceConfig::cloudflare_turn_token_id)))));
  o.push_back(
      notYetSupported(secret(opt("cloudflare_turn_api_token", "SELKIES_CLOUDFLARE_TURN_API_TOKEN",
                                 "", "Cloudflare TURN API token", kAnyText,
                                 str(at(&Config::ice, &IceConfig::cloudflare_turn_api_token))))));
  o.push_back(opt("app_wait_ready", "SELKIES_APP_WAIT_READY", "false",
                  "Wait for the ready file before starting", kBool,
                  boolean(at(&Config::desktop, &DesktopConfig::app_wait_ready))));
  o.push_back(opt("app_ready_file", "SELKIES_APP_READY_FILE", "/tmp/selkies-appready",
                  "Ready file waited for when app_wait_ready is true", kAnyText,
                  str(at(&Config::desktop, &DesktopConfig::app_ready_file))));
  o.push_back(opt("uinput_mouse_socket", "SELKIES_UINPUT_MOUSE_SOCKET", "",
                  "Unix datagram socket of a uinput mouse: relative motion, buttons and wheel "
                  "are sent there as Selkies sends them (XTest while it does not answer, and "
                  "when empty)",
                  "a Unix socket path of at most 107 bytes",
                  socketPath(at(&Config::desktop, &DesktopConfig::uinput_mouse_socket))));
  o.push_back(opt("js_socket_path", "SELKIES_JS_SOCKET_PATH", "/tmp",
                  "Directory where the browser's gamepads 0..3 appear as the Unix sockets "
                  "selkies_js0.sock .. selkies_js3.sock that the Selkies joystick interposer "
                  "reads (e.g. /tmp/selkies_js0.sock)",
                  "a directory path of at most 90 bytes",
                  socketDir(at(&Config::desktop, &DesktopConfig::js_socket_path))));
}

}  // namespace ds::config::rows
