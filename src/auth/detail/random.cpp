#include "auth/detail/random.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cstdlib>
#include <string>

#include "auth/token_parser.hpp"

namespace ds::auth::detail {

std::string randomToken(size_t bytes) {
  std::string raw(bytes, '\0');
  if (gnutls_rnd(GNUTLS_RND_KEY, raw.data(), raw.size()) != 0) std::abort();
  return encodeBase64Url(raw);
}

}  // namespace ds::auth::detail
