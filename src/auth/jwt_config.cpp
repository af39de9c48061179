#include "auth/jwt_config.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace ds::auth {
namespace {

constexpr std::chrono::seconds kMaxLeeway{300};

bool isHmac(std::string_view alg) { return alg.substr(0, 2) == "HS"; }

std::vector<std::string> splitList(std::string_view value) {
  std::vector<std::string> out;
  for (std::string_view part : split(value, ',')) {
    part = trim(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& supportedAlgorithms() {
  static const std::vector<std::string> kAlgs = {"EdDSA", "ES256", "ES384", "ES512", "RS256",
                                                 "RS384", "RS512", "PS256", "PS384", "PS512",
                                                 "HS256", "HS384", "HS512"};
  return kAlgs;
}

bool JwtConfig::enabled() const {
  return !public_key_file.empty() || !jwks_file.empty() || !jwks_url.empty() ||
         !hmac_secret_file.empty();
}

std::vector<std::string> JwtConfig::effectiveAlgorithms() const {
  if (!algorithms.empty()) return algorithms;
  if (!hmac_secret_file.empty()) return {"HS256"};
  return {"EdDSA", "ES256", "RS256", "PS256"};
}

Status JwtConfig::validate() const {
  constexpr const char* kSources =
      "DESKSTREAM_JWT_PUBLIC_KEY_FILE, DESKSTREAM_JWT_JWKS_FILE, DESKSTREAM_JWT_JWKS_URL or "
      "DESKSTREAM_JWT_HMAC_SECRET_FILE";
  if (!enabled()) {
    const char* stray = !issuers.empty()        ? "DESKSTREAM_JWT_ISSUER"
                        : !audience.empty()     ? "DESKSTREAM_JWT_AUDIENCE"
                        : !session_id.empty()   ? "DESKSTREAM_JWT_SESSION"
                        : !algorithms.empty()   ? "DESKSTREAM_JWT_ALGORITHMS"
                        : !jwks_ca_file.empty() ? "DESKSTREAM_JWT_JWKS_CA_FILE"
                                                : nullptr;
    if (stray == nullptr) return {};
    return fail(std::string(stray) + " is set but no JWT key source is: set one of " + kSources);
  }
  const int sources =
      !public_key_file.empty() + !jwks_file.empty() + !jwks_url.empty() + !hmac_secret_file.empty();
  if (sources != 1) return fail(std::string("set exactly one of ") + kSources);
  if (issuers.empty()) return fail("DESKSTREAM_JWT_ISSUER must list at least one accepted issuer");
  for (const auto& iss : issuers) {
    if (iss.empty()) return fail("DESKSTREAM_JWT_ISSUER has an empty entry");
  }
  if (audience.empty()) return fail("DESKSTREAM_JWT_AUDIENCE must be set");
  if (session_id.empty()) return fail("DESKSTREAM_JWT_SESSION must be set to this session's id");
  if (session_claim.empty()) return fail("DESKSTREAM_JWT_SESSION_CLAIM must not be empty");
  if (role_claim.empty()) return fail("DESKSTREAM_JWT_ROLE_CLAIM must not be empty");
  if (leeway.count() < 0 || leeway > kMaxLeeway) {
    return fail("DESKSTREAM_JWT_LEEWAY must be between 0 and 300 seconds");
  }
  const bool hmac_source = !hmac_secret_file.empty();
  for (const auto& alg : effectiveAlgorithms()) {
    if (toLower(alg) == "none") return fail("DESKSTREAM_JWT_ALGORITHMS must not allow 'none'");
    const auto& known = supportedAlgorithms();
    if (std::find(known.begin(), known.end(), alg) == known.end()) {
      return fail("DESKSTREAM_JWT_ALGORITHMS: unsupported algorithm '" + alg + "'");
    }
    if (isHmac(alg) && !hmac_source) {
      return fail("DESKSTREAM_JWT_ALGORITHMS: " + alg +
                  " needs DESKSTREAM_JWT_HMAC_SECRET_FILE (never a public key as HMAC secret)");
    }
    if (!isHmac(alg) && hmac_source) {
      return fail("DESKSTREAM_JWT_ALGORITHMS: " + alg +
                  " cannot be verified with DESKSTREAM_JWT_HMAC_SECRET_FILE");
    }
  }
  if (!jwks_url.empty() && toLower(jwks_url.substr(0, 8)) != "https://") {
    return fail("DESKSTREAM_JWT_JWKS_URL must be an https:// URL");
  }
  if (!jwks_ca_file.empty() && jwks_url.empty()) {
    return fail("DESKSTREAM_JWT_JWKS_CA_FILE is only used with DESKSTREAM_JWT_JWKS_URL");
  }
  return {};
}

const std::vector<EnvOption>& jwtEnvOptions() {
  static const std::vector<EnvOption> kOptions = {
      {"DESKSTREAM_JWT_ISSUER", "--jwt-issuer", "Accepted token issuer(s) (iss), comma-separated",
       ""},
      {"DESKSTREAM_JWT_AUDIENCE", "--jwt-audience", "Required token audience (aud)", ""},
      {"DESKSTREAM_JWT_SESSION", "--jwt-session", "Session id this instance serves", ""},
      {"DESKSTREAM_JWT_SESSION_CLAIM", "--jwt-session-claim",
       "Claim that must equal the session id", "sid"},
      {"DESKSTREAM_JWT_ALGORITHMS", "--jwt-algorithms",
       "Allowed algorithms, comma-separated (EdDSA ES256 RS256 PS256 HS256 ...)",
       "EdDSA,ES256,RS256,PS256 (HS256 with an HMAC secret)"},
      {"DESKSTREAM_JWT_LEEWAY", "--jwt-leeway", "Clock skew allowed on exp/nbf/iat, seconds", "30"},
      {"DESKSTREAM_JWT_PUBLIC_KEY_FILE", "--jwt-public-key-file", "PEM public key file", ""},
      {"DESKSTREAM_JWT_JWKS_FILE", "--jwt-jwks-file", "JWK Set file", ""},
      {"DESKSTREAM_JWT_JWKS_URL", "--jwt-jwks-url", "JWK Set https:// URL (cached, re-fetched)",
       ""},
      {"DESKSTREAM_JWT_JWKS_CA_FILE", "--jwt-jwks-ca-file",
       "PEM CA bundle trusted for the JWKS URL", "system trust store"},
      // Secret: the file's path is masked too (it says where the key is).
      {"DESKSTREAM_JWT_HMAC_SECRET_FILE", "--jwt-hmac-secret-file",
       "HMAC secret file (>= 32 bytes)", "", true},
      {"DESKSTREAM_JWT_ROLE_CLAIM", "--jwt-role-claim",
       "Claim holding desktop:view / desktop:control", "scope"},
      {"DESKSTREAM_JWT_TYP", "--jwt-typ", "Required header typ, e.g. desk-connect+jwt",
       "not checked"},
  };
  return kOptions;
}

Result<JwtConfig> configFromEnv(const Getenv& getenv, JwtConfig base) {
  auto read = [&](std::string_view name) -> std::optional<std::string> {
    auto v = getenv(name);
    if (v) v = std::string(trim(*v));
    return v;
  };
  if (auto v = read("DESKSTREAM_JWT_ISSUER")) base.issuers = splitList(*v);
  if (auto v = read("DESKSTREAM_JWT_AUDIENCE")) base.audience = *v;
  if (auto v = read("DESKSTREAM_JWT_SESSION")) base.session_id = *v;
  if (auto v = read("DESKSTREAM_JWT_SESSION_CLAIM")) base.session_claim = *v;
  if (auto v = read("DESKSTREAM_JWT_ALGORITHMS")) base.algorithms = splitList(*v);
  if (auto v = read("DESKSTREAM_JWT_LEEWAY")) {
    std::string_view s = *v;
    if (!s.empty() && s.back() == 's') s.remove_suffix(1);
    const auto secs = parseInt(s);
    if (!secs) return fail("DESKSTREAM_JWT_LEEWAY: not a whole number of seconds: '" + *v + "'");
    base.leeway = std::chrono::seconds(*secs);
  }
  if (auto v = read("DESKSTREAM_JWT_PUBLIC_KEY_FILE")) base.public_key_file = *v;
  if (auto v = read("DESKSTREAM_JWT_JWKS_FILE")) base.jwks_file = *v;
  if (auto v = read("DESKSTREAM_JWT_JWKS_URL")) base.jwks_url = *v;
  if (auto v = read("DESKSTREAM_JWT_JWKS_CA_FILE")) base.jwks_ca_file = *v;
  if (auto v = read("DESKSTREAM_JWT_HMAC_SECRET_FILE")) base.hmac_secret_file = *v;
  if (auto v = read("DESKSTREAM_JWT_ROLE_CLAIM")) base.role_claim = *v;
  if (auto v = read("DESKSTREAM_JWT_TYP")) base.typ = *v;
  return base;
}

}  // namespace ds::auth
