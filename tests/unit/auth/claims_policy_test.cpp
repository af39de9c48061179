// The claims and header policy, without any cryptography.
#include "auth/claims_policy.hpp"

#include <gtest/gtest.h>

#include "unit/auth/auth_test_util.hpp"

namespace ds::auth {
namespace {

using nlohmann::json;
using testing::baseConfig;
using testing::fixedNow;

constexpr int64_t kNow = 1800000000;

json goodClaims() {
  return {{"iss", testing::kIssuer},
          {"aud", testing::kAudience},
          {"sid", testing::kSession},
          {"sub", "alice"},
          {"scope", "openid desktop:view"},
          {"exp", kNow + 300},
          {"nbf", kNow - 10},
          {"iat", kNow - 10},
          {"jti", "t-1"}};
}

std::string errorOf(const json& claims, const JwtConfig& config = baseConfig()) {
  auto r = checkClaims(claims, config, fixedNow());
  return r ? "" : r.error().message;
}

TEST(AuthClaimsPolicy, AcceptsGoodClaims) {
  auto r = checkClaims(goodClaims(), baseConfig(), fixedNow());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->subject, "alice");
  EXPECT_EQ(r->role, Role::kView);
  EXPECT_EQ(r->token_id, "t-1");
  EXPECT_EQ(r->expires_at, fixedNow() + std::chrono::seconds(300));
}

TEST(AuthClaimsPolicy, ExpIsRequiredNumericAndEnforcedWithLeeway) {
  auto c = goodClaims();
  c.erase("exp");
  EXPECT_EQ(errorOf(c), "jwt exp: missing (tokens must expire)");
  c["exp"] = "1800000300";
  EXPECT_EQ(errorOf(c), "jwt exp: not a number");
  c["exp"] = kNow - 31;  // beyond the 30 s leeway
  EXPECT_EQ(errorOf(c), "jwt exp: token expired");
  c["exp"] = kNow - 29;  // within the leeway
  EXPECT_EQ(errorOf(c), "");
  c["exp"] = 180000000000;  // would overflow system_clock's nanoseconds (fuzzer finding)
  EXPECT_EQ(errorOf(c), "jwt exp: out of range");
  c["exp"] = 1e300;
  EXPECT_EQ(errorOf(c), "jwt exp: out of range");
  c["exp"] = -5;
  EXPECT_EQ(errorOf(c), "jwt exp: out of range");
  c["exp"] = kNow + 10.5;  // fractional NumericDate is allowed
  EXPECT_EQ(errorOf(c), "");
  auto strict = baseConfig();
  strict.leeway = std::chrono::seconds(0);
  c["exp"] = kNow;  // exp must be strictly after now
  EXPECT_EQ(errorOf(c, strict), "jwt exp: token expired");
}

TEST(AuthClaimsPolicy, NbfAndIat) {
  auto c = goodClaims();
  c["nbf"] = kNow + 31;
  EXPECT_EQ(errorOf(c), "jwt nbf: token not yet valid");
  c["nbf"] = kNow + 29;
  EXPECT_EQ(errorOf(c), "");
  c["nbf"] = true;
  EXPECT_EQ(errorOf(c), "jwt nbf: not a number");
  c = goodClaims();
  c["iat"] = kNow + 3600;
  EXPECT_EQ(errorOf(c), "jwt iat: issued in the future");
}

TEST(AuthClaimsPolicy, Issuer) {
  auto c = goodClaims();
  c["iss"] = "https://evil.example";
  EXPECT_EQ(errorOf(c), "jwt iss: issuer not accepted");
  c["iss"] = json::array({testing::kIssuer});
  EXPECT_EQ(errorOf(c), "jwt iss: missing");
  c.erase("iss");
  EXPECT_EQ(errorOf(c), "jwt iss: missing");
  auto two = baseConfig();
  two.issuers = {"https://a.example", "https://b.example"};
  c["iss"] = "https://b.example";
  EXPECT_EQ(errorOf(c, two), "");
}

TEST(AuthClaimsPolicy, Audience) {
  auto c = goodClaims();
  c["aud"] = "other";
  EXPECT_EQ(errorOf(c), "jwt aud: audience does not match");
  c["aud"] = json::array({"other", testing::kAudience});
  EXPECT_EQ(errorOf(c), "");
  c["aud"] = json::array({"other", 5});
  EXPECT_EQ(errorOf(c), "jwt aud: audience does not match");
  c.erase("aud");
  EXPECT_EQ(errorOf(c), "jwt aud: missing");
}

TEST(AuthClaimsPolicy, SessionClaim) {
  auto c = goodClaims();
  c["sid"] = "s-999";
  EXPECT_EQ(errorOf(c), "jwt session: claim 'sid' is not this session");
  c.erase("sid");
  EXPECT_EQ(errorOf(c), "jwt session: claim 'sid' missing");
  auto custom = baseConfig();
  custom.session_claim = "desk_session";
  c["desk_session"] = testing::kSession;
  EXPECT_EQ(errorOf(c, custom), "");
}

TEST(AuthClaimsPolicy, Subject) {
  auto c = goodClaims();
  c["sub"] = "";
  EXPECT_EQ(errorOf(c), "jwt sub: missing");
  c["sub"] = std::string(300, 'x');
  EXPECT_EQ(errorOf(c), "jwt sub: longer than 256 bytes");
}

TEST(AuthClaimsPolicy, Roles) {
  auto c = goodClaims();
  c["scope"] = "desktop:control";
  auto r = checkClaims(c, baseConfig(), fixedNow());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->role, Role::kControl);
  EXPECT_TRUE(canControl(*r));
  c["scope"] = "openid profile";
  EXPECT_EQ(errorOf(c), "jwt role: claim 'scope' grants neither desktop:view nor desktop:control");
  c["scope"] = "desktop:viewer desktop:controls";  // no prefix matching
  EXPECT_NE(errorOf(c), "");
  c.erase("scope");
  EXPECT_EQ(errorOf(c), "jwt role: claim 'scope' missing");
  auto roles = baseConfig();
  roles.role_claim = "roles";
  c["roles"] = json::array({"desktop:view", "desktop:control"});
  r = checkClaims(c, roles, fixedNow());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->role, Role::kControl);
}

TEST(AuthClaimsPolicy, RoleFromClaim) {
  EXPECT_EQ(roleFromClaim("desktop:view"), Role::kView);
  EXPECT_EQ(roleFromClaim("a  desktop:view desktop:control"), Role::kControl);
  EXPECT_EQ(roleFromClaim(json::array({"desktop:view"})), Role::kView);
  EXPECT_EQ(roleFromClaim(json::array({1, "x"})), std::nullopt);
  EXPECT_EQ(roleFromClaim(json(42)), std::nullopt);
  EXPECT_EQ(roleFromClaim(json::object()), std::nullopt);
}

TEST(AuthClaimsPolicy, NotAnObject) {
  EXPECT_EQ(errorOf(json::array()), "jwt format: payload is not a JSON object");
}

ParsedToken headerOnly(json header) {
  ParsedToken t;
  t.alg = header.value("alg", "");
  t.header = std::move(header);
  return t;
}

TEST(AuthHeaderPolicy, AlgNoneAndAllowList) {
  const std::vector<std::string> allowed = {"RS256", "EdDSA"};
  EXPECT_TRUE(checkHeader(headerOnly({{"alg", "RS256"}}), allowed, ""));
  for (const char* none : {"none", "None", "NONE"}) {
    auto r = checkHeader(headerOnly({{"alg", none}}), allowed, "");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "jwt alg: 'none' is never accepted");
  }
  auto r = checkHeader(headerOnly({{"alg", "HS256"}}), allowed, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "jwt alg: 'HS256' is not an allowed algorithm");
  r = checkHeader(headerOnly({{"alg", "rs256"}}), allowed, "");  // case-sensitive
  EXPECT_FALSE(r);
  r = checkHeader(headerOnly({{"alg", "X\nINFO fake log line"}}), allowed, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "jwt alg: 'X?INFO?fake?log?' is not an allowed algorithm");
}

TEST(AuthHeaderPolicy, KeyCarryingHeadersAreRejected) {
  const std::vector<std::string> allowed = {"RS256"};
  for (const char* h : {"jku", "x5u", "jwk", "x5c"}) {
    auto r =
        checkHeader(headerOnly({{"alg", "RS256"}, {h, "https://evil.example/k"}}), allowed, "");
    ASSERT_FALSE(r) << h;
    EXPECT_EQ(r.error().message, std::string("jwt header: '") + h +
                                     "' is not accepted (keys come from configuration only)");
  }
  for (const char* h : {"crit", "b64"}) {
    auto r = checkHeader(headerOnly({{"alg", "RS256"}, {h, false}}), allowed, "");
    ASSERT_FALSE(r) << h;
    EXPECT_EQ(r.error().message, std::string("jwt header: unsupported extension '") + h + "'");
  }
}

TEST(AuthHeaderPolicy, Typ) {
  const std::vector<std::string> allowed = {"RS256"};
  EXPECT_TRUE(checkHeader(headerOnly({{"alg", "RS256"}, {"typ", "JWT"}}), allowed, ""));
  EXPECT_TRUE(checkHeader(headerOnly({{"alg", "RS256"}, {"typ", "Desk-Connect+JWT"}}), allowed,
                          "desk-connect+jwt"));
  auto r = checkHeader(headerOnly({{"alg", "RS256"}, {"typ", "JWT"}}), allowed, "desk-connect+jwt");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "jwt typ: header typ is not 'desk-connect+jwt'");
  EXPECT_FALSE(checkHeader(headerOnly({{"alg", "RS256"}}), allowed, "desk-connect+jwt"));
}

}  // namespace
}  // namespace ds::auth
