// libFuzzer target: JWK Set parsing (KeySet::fromJwks), the other untrusted input of src/auth
// (it comes from the network when DESKSTREAM_JWT_JWKS_URL is used).
#include <cstdint>
#include <string_view>

#include "auth/key_set.hpp"
#include "core/log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    ds::log::setLevel(ds::log::Level::kError);
    return true;
  }();
  (void)quiet;
  auto keys =
      ds::auth::KeySet::fromJwks(std::string_view(reinterpret_cast<const char*>(data), size));
  if (keys) (void)keys->kids();
  return 0;
}
