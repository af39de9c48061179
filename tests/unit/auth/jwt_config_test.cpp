#include "auth/jwt_config.hpp"

#include <gtest/gtest.h>

#include <map>

#include "unit/auth/auth_test_util.hpp"

namespace ds::auth {
namespace {

using testing::baseConfig;

std::string errorOf(const JwtConfig& c) {
  auto r = c.validate();
  return r ? "" : r.error().message;
}

JwtConfig withKey() {
  auto c = baseConfig();
  c.public_key_file = "/etc/deskstream/jwt.pub";
  return c;
}

TEST(AuthJwtConfig, DisabledWhenNothingIsSet) {
  JwtConfig c;
  EXPECT_FALSE(c.enabled());
  EXPECT_EQ(errorOf(c), "");
}

TEST(AuthJwtConfig, SettingsWithoutKeySourceNameTheVariable) {
  JwtConfig c;
  c.audience = "x";
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_AUDIENCE is set but no JWT key source"),
            std::string::npos);
}

TEST(AuthJwtConfig, ValidPublicKeyConfig) {
  EXPECT_EQ(errorOf(withKey()), "");
  EXPECT_EQ(withKey().effectiveAlgorithms(),
            (std::vector<std::string>{"EdDSA", "ES256", "RS256", "PS256"}));
}

TEST(AuthJwtConfig, EachErrorNamesItsVariable) {
  auto c = withKey();
  c.jwks_file = "/x";
  EXPECT_NE(errorOf(c).find("set exactly one of"), std::string::npos);
  c = withKey();
  c.issuers.clear();
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_ISSUER"), std::string::npos);
  c = withKey();
  c.audience.clear();
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_AUDIENCE"), std::string::npos);
  c = withKey();
  c.session_id.clear();
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_SESSION"), std::string::npos);
  c = withKey();
  c.leeway = std::chrono::seconds(301);
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_LEEWAY"), std::string::npos);
  c.leeway = std::chrono::seconds(-1);
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_LEEWAY"), std::string::npos);
  c = withKey();
  c.algorithms = {"none"};
  EXPECT_EQ(errorOf(c), "DESKSTREAM_JWT_ALGORITHMS must not allow 'none'");
  c.algorithms = {"RS1"};
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_ALGORITHMS: unsupported"), std::string::npos);
  c = baseConfig();
  c.jwks_url = "http://idp.example/jwks";
  EXPECT_EQ(errorOf(c), "DESKSTREAM_JWT_JWKS_URL must be an https:// URL");
  c = withKey();
  c.jwks_ca_file = "/ca.pem";
  EXPECT_NE(errorOf(c).find("DESKSTREAM_JWT_JWKS_CA_FILE"), std::string::npos);
}

TEST(AuthJwtConfig, HmacAndPublicKeyAlgorithmsNeverMix) {
  auto c = withKey();
  c.algorithms = {"RS256", "HS256"};  // the algorithm-confusion configuration
  EXPECT_NE(errorOf(c).find("HS256 needs DESKSTREAM_JWT_HMAC_SECRET_FILE"), std::string::npos);
  c = baseConfig();
  c.hmac_secret_file = "/secret";
  EXPECT_EQ(errorOf(c), "");
  EXPECT_EQ(c.effectiveAlgorithms(), std::vector<std::string>{"HS256"});
  c.algorithms = {"HS256", "EdDSA"};
  EXPECT_NE(errorOf(c).find("cannot be verified with DESKSTREAM_JWT_HMAC_SECRET_FILE"),
            std::string::npos);
}

TEST(AuthJwtConfig, FromEnv) {
  const std::map<std::string, std::string> env = {
      {"DESKSTREAM_JWT_ISSUER", " https://a.example, https://b.example "},
      {"DESKSTREAM_JWT_AUDIENCE", "desk"},
      {"DESKSTREAM_JWT_SESSION", "s-1"},
      {"DESKSTREAM_JWT_ALGORITHMS", "EdDSA,ES256"},
      {"DESKSTREAM_JWT_LEEWAY", "45s"},
      {"DESKSTREAM_JWT_JWKS_URL", "https://idp.example/jwks"},
      {"DESKSTREAM_JWT_JWKS_CA_FILE", "/ca.pem"},
      {"DESKSTREAM_JWT_TYP", "desk-connect+jwt"},
  };
  auto getenv = [&](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto c = configFromEnv(getenv);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->issuers, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(c->audience, "desk");
  EXPECT_EQ(c->session_id, "s-1");
  EXPECT_EQ(c->session_claim, "sid");
  EXPECT_EQ(c->algorithms, (std::vector<std::string>{"EdDSA", "ES256"}));
  EXPECT_EQ(c->leeway, std::chrono::seconds(45));
  EXPECT_EQ(c->jwks_url, "https://idp.example/jwks");
  EXPECT_EQ(c->jwks_ca_file, "/ca.pem");
  EXPECT_EQ(c->typ, "desk-connect+jwt");
  EXPECT_EQ(errorOf(*c), "");

  auto bad = configFromEnv([](std::string_view n) -> std::optional<std::string> {
    if (n == "DESKSTREAM_JWT_LEEWAY") return "soon";
    return std::nullopt;
  });
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("DESKSTREAM_JWT_LEEWAY"), std::string::npos);
}

TEST(AuthJwtConfig, HelpListsEveryVariable) {
  std::vector<std::string> names;
  for (const auto& o : jwtEnvOptions()) names.emplace_back(o.name);
  for (const char* n :
       {"DESKSTREAM_JWT_ISSUER", "DESKSTREAM_JWT_AUDIENCE", "DESKSTREAM_JWT_SESSION",
        "DESKSTREAM_JWT_ALGORITHMS", "DESKSTREAM_JWT_LEEWAY", "DESKSTREAM_JWT_PUBLIC_KEY_FILE",
        "DESKSTREAM_JWT_JWKS_FILE", "DESKSTREAM_JWT_JWKS_URL", "DESKSTREAM_JWT_HMAC_SECRET_FILE",
        "DESKSTREAM_JWT_JWKS_CA_FILE"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
}

}  // namespace
}  // namespace ds::auth
