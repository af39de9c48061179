#include "auth/claims_policy.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/strings.hpp"

namespace ds::auth {
namespace {

using std::chrono::system_clock;

// Seconds since the epoch below 8e9 (year 2223): system_clock counts nanoseconds in 64 bits,
// which overflows shortly after 9.2e9 s (found by tests/fuzz/auth_token_fuzzer.cpp).
constexpr double kMaxNumericDate = 8e9;
constexpr size_t kMaxSubjectLength = 256;

// NumericDate (RFC 7519 §2): a JSON number, possibly fractional. nullopt if absent.
Result<std::optional<int64_t>> numericDate(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return std::optional<int64_t>{};
  if (!it->is_number()) return fail(std::string("jwt ") + name + ": not a number");
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v >= kMaxNumericDate) {
    return fail(std::string("jwt ") + name + ": out of range");
  }
  return std::optional<int64_t>{static_cast<int64_t>(std::floor(v))};
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool audienceMatches(const nlohmann::json& aud, const std::string& expected) {
  if (aud.is_string()) return aud.get_ref<const std::string&>() == expected;
  if (!aud.is_array()) return false;
  return std::any_of(aud.begin(), aud.end(), [&](const nlohmann::json& a) {
    return a.is_string() && a.get_ref<const std::string&>() == expected;
  });
}

}  // namespace

std::string_view roleName(Role role) { return role == Role::kControl ? "control" : "view"; }

std::optional<Role> roleFromClaim(const nlohmann::json& value) {
  bool view = false;
  bool control = false;
  auto consider = [&](std::string_view scope) {
    if (scope == kScopeControl) control = true;
    if (scope == kScopeView) view = true;
  };
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    for (std::string_view scope : split(s, ' ')) consider(scope);
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) consider(item.get_ref<const std::string&>());
    }
  } else {
    return std::nullopt;
  }
  if (control) return Role::kControl;
  if (view) return Role::kView;
  return std::nullopt;
}

Status checkHeader(const ParsedToken& token, const std::vector<std::string>& allowed_algs,
                   std::string_view required_typ) {
  if (toLower(token.alg) == "none") return fail("jwt alg: 'none' is never accepted");
  if (!contains(allowed_algs, token.alg)) {
    // The value is attacker-controlled: show at most 16 plain characters (no log injection).
    std::string shown;
    for (char c : token.alg.substr(0, 16)) {
      shown += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '+' ? c : '?';
    }
    return fail("jwt alg: '" + shown + "' is not an allowed algorithm");
  }
  for (const char* banned : {"jku", "x5u", "jwk", "x5c"}) {
    if (token.header.contains(banned)) {
      return fail(std::string("jwt header: '") + banned +
                  "' is not accepted (keys come from configuration only)");
    }
  }
  for (const char* banned : {"crit", "b64"}) {
    if (token.header.contains(banned)) {
      return fail(std::string("jwt header: unsupported extension '") + banned + "'");
    }
  }
  if (!required_typ.empty()) {
    const auto typ = token.header.find("typ");
    if (typ == token.header.end() || !typ->is_string() ||
        toLower(typ->get_ref<const std::string&>()) != toLower(required_typ)) {
      return fail("jwt typ: header typ is not '" + std::string(required_typ) + "'");
    }
  }
  return {};
}

Result<Principal> checkClaims(const nlohmann::json& claims, const JwtConfig& config,
                              system_clock::time_point now) {
  if (!claims.is_object()) return fail("jwt format: payload is not a JSON object");
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t leeway = config.leeway.count();

  auto exp = numericDate(claims, "exp");
  if (!exp) return fail(exp.error().message);
  if (!*exp) return fail("jwt exp: missing (tokens must expire)");
  if (now_s >= **exp + leeway) return fail("jwt exp: token expired");
  auto nbf = numericDate(claims, "nbf");
  if (!nbf) return fail(nbf.error().message);
  if (*nbf && now_s + leeway < **nbf) return fail("jwt nbf: token not yet valid");
  auto iat = numericDate(claims, "iat");
  if (!iat) return fail(iat.error().message);
  if (*iat && now_s + leeway < **iat) return fail("jwt iat: issued in the future");

  const auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string()) return fail("jwt iss: missing");
  if (!contains(config.issuers, iss->get_ref<const std::string&>())) {
    return fail("jwt iss: issuer not accepted");
  }
  const auto aud = claims.find("aud");
  if (aud == claims.end()) return fail("jwt aud: missing");
  if (!audienceMatches(*aud, config.audience)) return fail("jwt aud: audience does not match");

  const auto sid = claims.find(config.session_claim);
  if (sid == claims.end() || !sid->is_string()) {
    return fail("jwt session: claim '" + config.session_claim + "' missing");
  }
  if (sid->get_ref<const std::string&>() != config.session_id) {
    return fail("jwt session: claim '" + config.session_claim + "' is not this session");
  }

  const auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
    return fail("jwt sub: missing");
  }
  if (sub->get_ref<const std::string&>().size() > kMaxSubjectLength) {
    return fail("jwt sub: longer than 256 bytes");
  }

  const auto role_value = claims.find(config.role_claim);
  if (role_value == claims.end()) {
    return fail("jwt role: claim '" + config.role_claim + "' missing");
  }
  const auto role = roleFromClaim(*role_value);
  if (!role) {
    return fail("jwt role: claim '" + config.role_claim +
                "' grants neither desktop:view nor desktop:control");
  }

  Principal out;
  out.subject = sub->get<std::string>();
  out.role = *role;
  out.expires_at = system_clock::time_point(std::chrono::seconds(**exp));
  const auto jti = claims.find("jti");
  if (jti != claims.end() && jti->is_string()) out.token_id = jti->get<std::string>();
  return out;
}

}  // namespace ds::auth
