// Cryptographically strong randomness from GnuTLS (private to ds_auth).
#pragma once

#include <cstddef>
#include <string>

namespace ds::auth::detail {

// `bytes` random bytes, base64url-encoded without padding. Aborts if the RNG fails, which
// GnuTLS only does when the system has no entropy source at all.
std::string randomToken(size_t bytes);

}  // namespace ds::auth::detail
