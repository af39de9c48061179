#include "auth/turn_credentials.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <array>

#include "core/strings.hpp"

namespace ds::auth {

TurnCredentials makeTurnCredentials(std::string_view shared_secret, std::string_view user,
                                    std::chrono::system_clock::time_point expiry) {
  std::string safe_user(user);
  std::replace(safe_user.begin(), safe_user.end(), ':', '-');
  const auto unix_s =
      std::chrono::duration_cast<std::chrono::seconds>(expiry.time_since_epoch()).count();
  TurnCredentials out;
  out.username = std::to_string(unix_s) + ":" + safe_user;
  out.expires_at = expiry;
  std::array<unsigned char, 20> digest{};
  // HMAC-SHA1 cannot fail for valid arguments; a failure leaves a zero digest that coturn
  // rejects, which is the safe outcome.
  (void)gnutls_hmac_fast(GNUTLS_MAC_SHA1, shared_secret.data(), shared_secret.size(),
                         out.username.data(), out.username.size(), digest.data());
  out.password =
      base64Encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  return out;
}

}  // namespace ds::auth
