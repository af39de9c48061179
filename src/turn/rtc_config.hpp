// The RTCConfiguration JSON that /turn returns (Selkies' shape: lifetimeDuration,
// iceServers, blockStatus, iceTransportPolicy; docs/settings.md, "ICE servers"), built from the ICE
// settings. Pure apart from the HMAC; the caller supplies the clock and any override file text.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ds::turn {

struct IceSettings {
  std::string stun_host;
  int stun_port = 19302;
  std::string turn_host;
  int turn_port = 443;
  std::string turn_protocol = "udp";
  bool turn_tls = false;
  std::string turn_username;  // long-term credentials win over the shared secret
  std::string turn_password;
  std::string turn_shared_secret;
  // Who this session is to the TURN server (session id / pod): REST user names become
  // "<expiry>:<identity>/<user>", so no two sessions share one user name (nor its quota).
  std::string identity;
  std::chrono::seconds credential_lifetime{24 * 3600};
  bool force_relay = false;
};

struct TurnCredentials {
  std::string username;
  std::string password;
};

// TURN REST API (coturn use-auth-secret): username "<expiry unix seconds>:<user>",
// password base64(HMAC-SHA1(secret, username)). ':' in user is replaced by '-'.
TurnCredentials restCredentials(std::string_view secret, std::string_view user,
                                std::chrono::system_clock::time_point expiry);

// The user part of a REST user name: "<identity>/<user>", or `user` without an identity. ':'
// becomes '-' in both and '/' becomes '-' in the identity, so the parts stay unambiguous.
std::string restUser(std::string_view identity, std::string_view user);

// Selkies' public STUN server, listed after the others when a TURN server is configured.
inline constexpr std::string_view kGoogleStunHost = "stun.l.google.com";
inline constexpr int kGoogleStunPort = 19302;

// The `stun:` URLs of /turn, in Selkies' order. Without a TURN server: the STUN host, if any.
// With one (long-term or shared-secret mode): the STUN host unless it is the TURN server's
// host:port, then `stun:` on the TURN server, then Google's STUN unless it is the STUN host.
// Deliberate: an empty STUN host lists only the TURN server (Selkies would list a broken
// "stun::<port>" and Google's), so an empty SELKIES_STUN_HOST never reaches a public server.
std::vector<std::string> stunUrls(const IceSettings& settings);

// Builds the /turn JSON. `user` names the TURN REST user (a header value or a token subject).
// `override_json` is the content of SELKIES_RTC_CONFIG_JSON when that file exists.
Result<std::string> buildRtcConfig(const IceSettings& settings, std::string_view user,
                                   std::chrono::system_clock::time_point now,
                                   const std::optional<std::string>& override_json);

// The ICE server URIs for webrtcbin (stun://host:port, turn(s)://user:pass@host:port?transport=).
// The STUN server is the first of stunUrls(), the one Selkies' webrtcbin uses.
struct ServerUris {
  std::string stun;
  std::vector<std::string> turn;
};
ServerUris serverUris(const IceSettings& settings, std::string_view user,
                      std::chrono::system_clock::time_point now);

}  // namespace ds::turn
