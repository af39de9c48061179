#include "auth/mint.hpp"

#include "auth/claims_policy.hpp"
#include "auth/detail/files.hpp"
#include "auth/detail/random.hpp"
#include "auth/detail/rhonabwy.hpp"

namespace ds::auth {
namespace {

using std::chrono::system_clock;

bool isPem(std::string_view key) { return key.find("-----BEGIN") != std::string_view::npos; }

std::string_view trimSecret(std::string_view s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Default alg for a private key.
Result<std::string> defaultAlgorithm(jwk_t* jwk) {
  unsigned int bits = 0;
  const int type = r_jwk_key_type(jwk, &bits, R_FLAG_IGNORE_REMOTE);
  if (type & R_KEY_TYPE_RSA) return std::string("RS256");
  if (type & R_KEY_TYPE_EDDSA) return std::string("EdDSA");
  if (type & R_KEY_TYPE_EC) {
    const std::string crv = detail::jwkProperty(jwk, "crv");
    if (crv == "P-256") return std::string("ES256");
    if (crv == "P-384") return std::string("ES384");
    if (crv == "P-521") return std::string("ES512");
  }
  return fail("cannot pick an algorithm for this key; pass --alg");
}

}  // namespace

Result<std::string> signToken(std::string_view key_material, const std::string& alg_in,
                              const nlohmann::json& payload,
                              const std::map<std::string, std::string>& extra_header) {
  auto jwk = detail::newJwk();
  auto jws = detail::newJws();
  if (!jwk || !jws) return fail("out of memory");
  std::string alg = alg_in;
  const bool hmac = alg.empty() ? !isPem(key_material) : alg.rfind("HS", 0) == 0;
  if (hmac) {
    const auto secret = alg.empty() ? trimSecret(key_material) : key_material;
    if (r_jwk_import_from_symmetric_key(jwk.get(),
                                        reinterpret_cast<const unsigned char*>(secret.data()),
                                        secret.size()) != RHN_OK) {
      return fail("cannot use the HMAC secret");
    }
    if (alg.empty()) alg = "HS256";
  } else {
    if (r_jwk_import_from_pem_der(jwk.get(), R_X509_TYPE_PRIVKEY, R_FORMAT_PEM,
                                  reinterpret_cast<const unsigned char*>(key_material.data()),
                                  key_material.size()) != RHN_OK) {
      return fail("not a PEM private key");
    }
    if (alg.empty()) {
      auto chosen = defaultAlgorithm(jwk.get());
      if (!chosen) return fail(chosen.error().message);
      alg = *chosen;
    }
  }
  const jwa_alg jwa = detail::jwaFromName(alg);
  if (jwa == R_JWA_ALG_UNKNOWN) return fail("unsupported algorithm '" + alg + "'");
  // rhonabwy derives a kid from imported keys; only an explicit one goes into the header.
  r_jwk_delete_property_str(jwk.get(), "kid");
  const auto kid = extra_header.find("kid");
  if (kid != extra_header.end()) r_jwk_set_property_str(jwk.get(), "kid", kid->second.c_str());
  for (const auto& [name, value] : extra_header) {
    r_jws_set_header_str_value(jws.get(), name.c_str(), value.c_str());
  }
  const std::string body = payload.dump();
  if (r_jws_set_alg(jws.get(), jwa) != RHN_OK ||
      r_jws_set_payload(jws.get(), reinterpret_cast<const unsigned char*>(body.data()),
                        body.size()) != RHN_OK) {
    return fail("cannot build the JWS");
  }
  detail::RString token(r_jws_serialize(jws.get(), jwk.get(), R_FLAG_IGNORE_REMOTE));
  if (!token) return fail("signing failed (does " + alg + " match the key?)");
  return std::string(token.get());
}

Result<std::string> mintWithKey(std::string_view key_material, const MintOptions& o) {
  if (o.subject.empty()) return fail("the subject (--sub) is required");
  if (o.session_id.empty()) return fail("the session id (--session) is required");
  if (o.ttl.count() <= 0) return fail("the lifetime (--ttl) must be positive");
  const bool hmac = o.algorithm.empty() ? !isPem(key_material) : o.algorithm.rfind("HS", 0) == 0;
  std::string_view material = key_material;
  if (hmac) {
    material = trimSecret(key_material);
    if (material.size() < 32) return fail("the HMAC secret is shorter than 32 bytes");
  }
  const auto now = o.now.value_or(system_clock::now());
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  nlohmann::json claims = {
      {"sub", o.subject},
      {o.session_claim, o.session_id},
      {"scope", o.role == Role::kControl ? kScopeControl : kScopeView},
      {"iat", iat},
      {"nbf", iat},
      {"exp", iat + o.ttl.count()},
      {"jti", o.token_id.empty() ? detail::randomToken(16) : o.token_id},
  };
  if (!o.issuer.empty()) claims["iss"] = o.issuer;
  if (!o.audience.empty()) claims["aud"] = o.audience;
  std::map<std::string, std::string> header;
  if (!o.typ.empty()) header["typ"] = o.typ;
  if (!o.key_id.empty()) header["kid"] = o.key_id;
  std::string alg = o.algorithm;
  if (alg.empty() && hmac) alg = "HS256";
  return signToken(material, alg, claims, header);
}

Result<std::string> mint(const MintOptions& options) {
  if (options.key_file.empty()) return fail("the key file (--key) is required");
  auto key = detail::readSmallFile(options.key_file, "key file", 64 * 1024);
  if (!key) return fail(key.error().message);
  return mintWithKey(*key, options);
}

}  // namespace ds::auth
