// TURN REST API credentials (coturn --use-auth-secret; draft-uberti-behave-turn-rest-00).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ds::auth {

struct TurnCredentials {
  std::string username;  // "<expiry unix seconds>:<user>"
  std::string password;  // base64(HMAC-SHA1(shared_secret, username))
  std::chrono::system_clock::time_point expires_at;
};

// coturn treats the timestamp as the expiry. A ':' in `user` is replaced by '-' (as Selkies'
// turn-rest does) so the username has exactly one separator.
TurnCredentials makeTurnCredentials(std::string_view shared_secret, std::string_view user,
                                    std::chrono::system_clock::time_point expiry);

// The expiry to use for a viewer: now + max_lifetime, but never after `token_expiry`.
inline std::chrono::system_clock::time_point turnExpiry(
    std::chrono::system_clock::time_point now, std::chrono::seconds max_lifetime,
    std::chrono::system_clock::time_point token_expiry) {
  const auto bound = now + max_lifetime;
  return bound < token_expiry ? bound : token_expiry;
}

}  // namespace ds::auth
