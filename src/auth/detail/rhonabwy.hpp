// RAII owners for librhonabwy objects (private to ds_auth).
#pragma once

#include <rhonabwy.h>

#include <memory>
#include <string>

namespace ds::auth::detail {

struct JwkDeleter {
  void operator()(jwk_t* p) const { r_jwk_free(p); }
};
struct JwsDeleter {
  void operator()(jws_t* p) const { r_jws_free(p); }
};
struct RFreeDeleter {
  void operator()(char* p) const { r_free(p); }
};

using JwkPtr = std::unique_ptr<jwk_t, JwkDeleter>;
using JwsPtr = std::unique_ptr<jws_t, JwsDeleter>;
using RString = std::unique_ptr<char, RFreeDeleter>;

inline JwkPtr newJwk() {
  jwk_t* p = nullptr;
  if (r_jwk_init(&p) != RHN_OK) return nullptr;
  return JwkPtr(p);
}

inline JwsPtr newJws() {
  jws_t* p = nullptr;
  if (r_jws_init(&p) != RHN_OK) return nullptr;
  return JwsPtr(p);
}

inline std::string jwkProperty(jwk_t* jwk, const char* name) {
  const char* v = r_jwk_get_property_str(jwk, name);
  return v != nullptr ? v : "";
}

// Our own name -> enum map: r_str_to_jwa_alg() maps unknown names to R_JWA_ALG_NONE.
jwa_alg jwaFromName(const std::string& alg);

}  // namespace ds::auth::detail
