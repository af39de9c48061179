// JWT access configuration: what a token must look like to open this session.
// Filled from DESKSTREAM_JWT_* variables (configFromEnv) or by the CLI layer; validate() is pure.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ds::auth {

struct JwtConfig {
  std::vector<std::string> issuers;   // accepted `iss` values, exact match
  std::string audience;               // `aud` (string or array) must contain it
  std::string session_id;             // the session this instance serves
  std::string session_claim = "sid";  // claim that must equal session_id
  // Allowed `alg` values. Empty: a default chosen by key source (effectiveAlgorithms()).
  std::vector<std::string> algorithms;
  std::chrono::seconds leeway{30};  // clock skew allowed on exp / nbf / iat
  // Exactly one key source.
  std::string public_key_file;       // PEM SubjectPublicKeyInfo (RSA, EC P-256/384/521, Ed25519)
  std::string jwks_file;             // RFC 7517 JWK Set, read once at start
  std::string jwks_url;              // https:// JWK Set, fetched and cached (JwksFetcher)
  std::string jwks_ca_file;          // PEM CA bundle for jwks_url; empty: system trust store
  std::string hmac_secret_file;      // raw secret, >= 32 bytes after trailing whitespace is trimmed
  std::string role_claim = "scope";  // space-separated string or array of strings
  std::string typ;                   // when set, the header `typ` must equal it (case-insensitive)

  // True when any key source is configured, i.e. JWT access control is on.
  bool enabled() const;
  // Pure check of the whole configuration. The error names the DESKSTREAM_* variable at fault.
  // A configuration with no key source and nothing else set is valid (access control off).
  Status validate() const;
  // `algorithms`, or the default for the configured key source when it is empty:
  // HMAC secret -> HS256; any public key source -> EdDSA, ES256, RS256, PS256.
  std::vector<std::string> effectiveAlgorithms() const;
};

// Every `alg` the verifier knows (none is never among them).
const std::vector<std::string>& supportedAlgorithms();

struct EnvOption {
  std::string_view name;  // DESKSTREAM_JWT_*
  std::string_view flag;  // suggested CLI flag, e.g. --jwt-issuer
  std::string_view help;
  std::string_view default_value;  // empty when there is none
  bool secret = false;             // masked wherever the value is shown (the startup log, errors)
};

// The variables configFromEnv reads, in --help order.
const std::vector<EnvOption>& jwtEnvOptions();

using Getenv = std::function<std::optional<std::string>(std::string_view)>;

// Reads every DESKSTREAM_JWT_* variable through `getenv` into `base` (unset keeps base's value).
// Lists (ISSUER, ALGORITHMS) are comma-separated; LEEWAY is whole seconds. Fails only on
// unparsable values; call validate() afterwards.
Result<JwtConfig> configFromEnv(const Getenv& getenv, JwtConfig base = {});

}  // namespace ds::auth
