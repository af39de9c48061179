// The token policy that needs no cryptography: header rules and claims rules.
// Pure functions of their arguments, unit-tested without keys (claims_policy_test.cpp).
//
// Every error message starts with "jwt <check>:" where <check> is one of
//   format alg header typ kid signature exp nbf iat iss aud session sub role
// so that one log line says which check failed. Messages never contain the token; they may
// contain a claim value only where it is needed to diagnose configuration (iss, alg, typ).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>

#include "auth/jwt_config.hpp"
#include "auth/principal.hpp"
#include "auth/token_parser.hpp"
#include "core/result.hpp"

namespace ds::auth {

inline constexpr std::string_view kScopeControl = "desktop:control";
inline constexpr std::string_view kScopeView = "desktop:view";

// Rejects: alg none or outside `allowed_algs`; jku, x5u, jwk, x5c (keys come from configuration
// only), crit and b64 (unsupported extensions); typ other than `required_typ` when it is set.
Status checkHeader(const ParsedToken& token, const std::vector<std::string>& allowed_algs,
                   std::string_view required_typ);

// Checks exp (required), nbf, iat, iss, aud, the session claim, sub and the role claim of an
// already decoded (and signature-verified) payload, and returns who it speaks for.
Result<Principal> checkClaims(const nlohmann::json& claims, const JwtConfig& config,
                              std::chrono::system_clock::time_point now);

// desktop:control -> kControl, else desktop:view -> kView, else nullopt. `value` is a
// space-separated string or an array of strings; anything else yields nullopt.
std::optional<Role> roleFromClaim(const nlohmann::json& value);

}  // namespace ds::auth
