#include "auth/key_set.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth/detail/rhonabwy.hpp"
#include "core/log.hpp"

namespace ds::auth {

struct KeySet::Key {
  std::string kid;
  std::string kty;  // RSA, EC, OKP, oct
  std::string crv;
  std::string alg;     // the JWK's own "alg", may be empty
  std::string secret;  // kty oct only: verified here, not by rhonabwy
  detail::JwkPtr jwk;
};

namespace detail {

jwa_alg jwaFromName(const std::string& alg) {
  static const std::pair<const char*, jwa_alg> kMap[] = {
      {"HS256", R_JWA_ALG_HS256}, {"HS384", R_JWA_ALG_HS384}, {"HS512", R_JWA_ALG_HS512},
      {"RS256", R_JWA_ALG_RS256}, {"RS384", R_JWA_ALG_RS384}, {"RS512", R_JWA_ALG_RS512},
      {"PS256", R_JWA_ALG_PS256}, {"PS384", R_JWA_ALG_PS384}, {"PS512", R_JWA_ALG_PS512},
      {"ES256", R_JWA_ALG_ES256}, {"ES384", R_JWA_ALG_ES384}, {"ES512", R_JWA_ALG_ES512},
      {"EdDSA", R_JWA_ALG_EDDSA}};
  for (const auto& [name, value] : kMap) {
    if (alg == name) return value;
  }
  return R_JWA_ALG_UNKNOWN;
}

}  // namespace detail

namespace {

constexpr size_t kMaxJwksKeys = 64;

// rhonabwy compares HMAC signatures with strcmp on their base64url text, which leaks timing.
// HS* is therefore verified here: GnuTLS HMAC over the signing input, constant-time compare.
Status verifyHmac(std::string_view token, const std::string& alg, const std::string& secret) {
  const gnutls_mac_algorithm_t mac = alg == "HS256"   ? GNUTLS_MAC_SHA256
                                     : alg == "HS384" ? GNUTLS_MAC_SHA384
                                                      : GNUTLS_MAC_SHA512;
  const size_t dot = token.rfind('.');
  const auto signature = decodeBase64Url(token.substr(dot + 1));
  const size_t len = gnutls_hmac_get_len(mac);
  if (!signature || signature->size() != len) return fail("jwt signature: invalid");
  unsigned char expected[64] = {};
  if (gnutls_hmac_fast(mac, secret.data(), secret.size(), token.data(), dot, expected) != 0) {
    return fail("jwt signature: HMAC failed");
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < len; ++i) {
    diff |= static_cast<unsigned char>(static_cast<unsigned char>((*signature)[i]) ^ expected[i]);
  }
  return diff == 0 ? Status{} : fail("jwt signature: invalid");
}

// Which key types may verify which algorithm. This is where algorithm confusion stops: an
// HS* token never reaches an RSA/EC/OKP key, whatever the header says.
Status keyAccepts(const KeySet::Key& key, const std::string& alg) {
  const auto reject = [&](std::string_view why) {
    return fail("jwt alg: " + alg + " cannot be verified with this key (" + std::string(why) + ")");
  };
  if (!key.alg.empty() && key.alg != alg) return reject("the JWK names another alg");
  const std::string family = alg.substr(0, 2);
  if (family == "HS") return key.kty == "oct" ? Status{} : reject("not an HMAC key");
  if (family == "RS" || family == "PS") return key.kty == "RSA" ? Status{} : reject("not RSA");
  if (family == "ES") {
    if (key.kty != "EC") return reject("not EC");
    const char* want = alg == "ES256" ? "P-256" : alg == "ES384" ? "P-384" : "P-521";
    return key.crv == want ? Status{} : reject("wrong curve");
  }
  if (alg == "EdDSA") {
    return key.kty == "OKP" && key.crv == "Ed25519" ? Status{} : reject("not Ed25519");
  }
  return reject("unknown algorithm");
}

// Checks that an imported public key is usable and fills kty/crv.
Result<std::shared_ptr<KeySet::Key>> finishKey(detail::JwkPtr jwk) {
  unsigned int bits = 0;
  const int type = r_jwk_key_type(jwk.get(), &bits, R_FLAG_IGNORE_REMOTE);
  if (!(type & R_KEY_TYPE_PUBLIC)) return fail("not a public key");
  auto key = std::make_shared<KeySet::Key>();
  key->kty = detail::jwkProperty(jwk.get(), "kty");
  key->crv = detail::jwkProperty(jwk.get(), "crv");
  if ((type & R_KEY_TYPE_RSA) && bits < 2048) return fail("RSA key shorter than 2048 bits");
  if (!(type & (R_KEY_TYPE_RSA | R_KEY_TYPE_EC | R_KEY_TYPE_EDDSA))) {
    return fail("unsupported key type '" + key->kty + "'");
  }
  if (key->kty == "OKP" && key->crv != "Ed25519") return fail("only Ed25519 OKP keys are used");
  key->jwk = std::move(jwk);
  return key;
}

}  // namespace

KeySet::KeySet() = default;
KeySet::~KeySet() = default;
KeySet::KeySet(KeySet&&) noexcept = default;
KeySet& KeySet::operator=(KeySet&&) noexcept = default;
KeySet::KeySet(const KeySet&) = default;
KeySet& KeySet::operator=(const KeySet&) = default;

Result<KeySet> KeySet::fromPem(std::string_view pem) {
  auto jwk = detail::newJwk();
  if (!jwk) return fail("out of memory");
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  const bool is_cert = pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos;
  if (r_jwk_import_from_pem_der(jwk.get(), is_cert ? R_X509_TYPE_CERTIFICATE : R_X509_TYPE_PUBKEY,
                                R_FORMAT_PEM, data, pem.size()) != RHN_OK) {
    return fail("not a PEM public key or certificate");
  }
  auto key = finishKey(std::move(jwk));
  if (!key) return fail(key.error().message);
  KeySet out;
  out.keys_.push_back(std::move(*key));
  out.anonymous_ = true;
  return out;
}

Result<KeySet> KeySet::fromHmacSecret(std::string_view secret) {
  if (secret.size() < 32) return fail("HMAC secret shorter than 32 bytes");
  auto jwk = detail::newJwk();
  if (!jwk) return fail("out of memory");
  if (r_jwk_import_from_symmetric_key(jwk.get(),
                                      reinterpret_cast<const unsigned char*>(secret.data()),
                                      secret.size()) != RHN_OK) {
    return fail("cannot import the HMAC secret");
  }
  auto key = std::make_shared<Key>();
  key->kty = "oct";
  key->secret = std::string(secret);
  key->jwk = std::move(jwk);
  KeySet out;
  out.keys_.push_back(std::move(key));
  out.anonymous_ = true;
  return out;
}

Result<KeySet> KeySet::fromJwks(std::string_view json) {
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return fail("JWKS is not a JSON object");
  const auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) return fail("JWKS has no 'keys' array");
  if (keys->size() > kMaxJwksKeys) return fail("JWKS has more than 64 keys");
  KeySet out;
  size_t index = 0;
  for (const auto& member : *keys) {
    const std::string where = "JWKS key #" + std::to_string(index++);
    auto skip = [&](std::string_view why) {
      log::warn("auth", where + " skipped: " + std::string(why));
    };
    if (!member.is_object()) {
      skip("not an object");
      continue;
    }
    const auto str = [&](const char* name) {
      const auto it = member.find(name);
      return it != member.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (member.contains("kid") && !member["kid"].is_string()) {
      skip("kid is not a string");
      continue;
    }
    const std::string kid = str("kid");
    if (member.contains("d") || member.contains("k")) {
      skip("private or symmetric key material");
      continue;
    }
    if (member.contains("use") && str("use") != "sig") {
      skip("use is not 'sig'");
      continue;
    }
    if (member.contains("key_ops")) {
      const auto& ops = member["key_ops"];
      if (!ops.is_array() || std::find(ops.begin(), ops.end(), "verify") == ops.end()) {
        skip("key_ops lacks 'verify'");
        continue;
      }
    }
    if (!kid.empty() && std::any_of(out.keys_.begin(), out.keys_.end(),
                                    [&](const auto& k) { return k->kid == kid; })) {
      skip("duplicate kid");
      continue;
    }
    // Only the public members rhonabwy needs; never x5u (no remote fetches).
    nlohmann::json clean = nlohmann::json::object();
    for (const char* name : {"kty", "kid", "alg", "n", "e", "crv", "x", "y"}) {
      if (member.contains(name)) clean[name] = member[name];
    }
    auto jwk = detail::newJwk();
    if (!jwk || r_jwk_import_from_json_str(jwk.get(), clean.dump().c_str()) != RHN_OK) {
      skip("not a valid JWK");
      continue;
    }
    auto key = finishKey(std::move(jwk));
    if (!key) {
      skip(key.error().message);
      continue;
    }
    (*key)->kid = kid;
    (*key)->alg = str("alg");
    out.keys_.push_back(std::move(*key));
  }
  if (out.keys_.empty()) return fail("JWKS holds no usable signature verification key");
  return out;
}

bool KeySet::resolves(const std::optional<std::string>& kid) const {
  if (keys_.empty()) return false;
  if (anonymous_ || (!kid && keys_.size() == 1)) return true;
  if (!kid) return false;
  return std::any_of(keys_.begin(), keys_.end(), [&](const auto& k) { return k->kid == *kid; });
}

std::vector<std::string> KeySet::kids() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) out.push_back(k->kid);
  return out;
}

Status KeySet::verifySignature(std::string_view token, const ParsedToken& parsed) const {
  if (keys_.empty()) return fail("jwt kid: no verification keys loaded");
  const Key* key = nullptr;
  if (anonymous_ || (!parsed.kid && keys_.size() == 1)) {
    key = keys_.front().get();
  } else if (!parsed.kid) {
    return fail("jwt kid: missing, and the key set holds " + std::to_string(keys_.size()) +
                " keys");
  } else {
    for (const auto& k : keys_) {
      if (k->kid == *parsed.kid) key = k.get();
    }
    if (key == nullptr) return fail("jwt kid: unknown key id");
  }
  for (const char* banned : {"jku", "x5u", "jwk", "x5c"}) {
    if (parsed.header.contains(banned)) return fail("jwt header: key-carrying header present");
  }
  if (auto ok = keyAccepts(*key, parsed.alg); !ok) return ok;
  if (key->kty == "oct") return verifyHmac(token, parsed.alg, key->secret);
  const jwa_alg alg = detail::jwaFromName(parsed.alg);
  if (alg == R_JWA_ALG_UNKNOWN) return fail("jwt alg: unsupported");

  auto jws = detail::newJws();
  if (!jws) return fail("jwt signature: out of memory");
  if (r_jws_advanced_compact_parsen(jws.get(), token.data(), token.size(), R_PARSE_NONE,
                                    R_FLAG_IGNORE_REMOTE) != RHN_OK) {
    return fail("jwt format: rejected by the JOSE parser");
  }
  // Both parsers must agree on what is being verified (duplicate-member tricks).
  if (r_jws_get_alg(jws.get()) != alg) return fail("jwt header: alg is ambiguous");
  if (r_jws_verify_signature(jws.get(), key->jwk.get(), R_FLAG_IGNORE_REMOTE) != RHN_OK) {
    return fail("jwt signature: invalid");
  }
  return {};
}

}  // namespace ds::auth
