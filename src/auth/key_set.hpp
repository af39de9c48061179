// A set of signature verification keys and the JWS signature check (librhonabwy).
// Key selection: by the header `kid` (an opaque map key). A key set from a PEM file or an HMAC
// secret holds one anonymous key that any `kid` selects; a JWKS needs a matching `kid`, except
// that a token without `kid` is accepted when the set holds exactly one key.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_parser.hpp"
#include "core/result.hpp"

namespace ds::auth {

class KeySet {
 public:
  KeySet();
  ~KeySet();
  KeySet(KeySet&&) noexcept;
  KeySet& operator=(KeySet&&) noexcept;
  KeySet(const KeySet&);
  KeySet& operator=(const KeySet&);

  // PEM SubjectPublicKeyInfo (or an X.509 certificate): RSA >= 2048 bits, EC, Ed25519.
  static Result<KeySet> fromPem(std::string_view pem);
  // RFC 7517 JWK Set. Unusable members (private, symmetric, "use" other than sig, unknown kty,
  // duplicate kid) are skipped with a warning; fails when no usable key remains.
  static Result<KeySet> fromJwks(std::string_view json);
  static Result<KeySet> fromHmacSecret(std::string_view secret);

  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  // True when a token with this kid would find a key (always true for an anonymous key).
  bool resolves(const std::optional<std::string>& kid) const;
  std::vector<std::string> kids() const;

  // Picks the key for `parsed` (kid + alg compatibility: kty, curve, the JWK's own alg/use),
  // then verifies `token`'s signature. Errors: "jwt kid: ...", "jwt alg: ...",
  // "jwt signature: ...". `parsed` must come from parseToken(token) and pass checkHeader.
  Status verifySignature(std::string_view token, const ParsedToken& parsed) const;

  struct Key;

 private:
  std::vector<std::shared_ptr<const Key>> keys_;
  bool anonymous_ = false;
};

}  // namespace ds::auth
