// Every token rejection of docs/access.md ("Verification and logging") with real signatures (keys
// generated in the test).
#include "auth/verifier.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "auth/claims_policy.hpp"
#include "auth/key_set.hpp"
#include "auth/mint.hpp"
#include "unit/auth/auth_test_util.hpp"

namespace ds::auth {
namespace {

using nlohmann::json;
using namespace ds::auth::testing;

constexpr int64_t kNow = 1800000000;

class AuthVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(generateKey(KeyType::kRsa));
    ec_ = new TestKey(generateKey(KeyType::kEcP256));
    ed_ = new TestKey(generateKey(KeyType::kEd25519));
    other_ec_ = new TestKey(generateKey(KeyType::kEcP256));
  }
  static void TearDownTestSuite() {
    for (TestKey* k : {rsa_, ec_, ed_, other_ec_}) delete k;
  }

  static json claims() {
    return {{"iss", kIssuer},
            {"aud", kAudience},
            {"sid", kSession},
            {"sub", "alice"},
            {"scope", "desktop:control"},
            {"exp", kNow + 300},
            {"iat", kNow},
            {"jti", "j1"}};
  }

  std::unique_ptr<Verifier> verifierFor(JwtConfig c) {
    auto v = Verifier::create(c);
    EXPECT_TRUE(v) << v.error().message;
    return v ? std::move(*v) : nullptr;
  }
  std::unique_ptr<Verifier> withPublicKey(const TestKey& key, std::vector<std::string> algs = {}) {
    auto c = baseConfig();
    c.public_key_file = dir_.write("key.pub", key.public_pem);
    c.algorithms = std::move(algs);
    return verifierFor(c);
  }
  std::unique_ptr<Verifier> withJwks(const std::string& jwks_json) {
    auto c = baseConfig();
    c.jwks_file = dir_.write("jwks.json", jwks_json);
    return verifierFor(c);
  }
  static std::string sign(const std::string& key, const std::string& alg, const json& payload,
                          std::map<std::string, std::string> header = {}) {
    auto t = signToken(key, alg, payload, header);
    EXPECT_TRUE(t) << t.error().message;
    return t ? *t : "";
  }
  // The failure message, checked never to contain the token or its signature.
  static std::string rejection(Verifier& v, const std::string& token) {
    auto r = v.verify(token, fixedNow());
    if (r) return "";
    const std::string& m = r.error().message;
    for (const std::string& part :
         {token.substr(token.rfind('.') + 1), token.substr(0, token.find('.'))}) {
      if (!part.empty()) {
        EXPECT_EQ(m.find(part), std::string::npos);
      }
    }
    return m;
  }

  TempDir dir_;
  static TestKey* rsa_;
  static TestKey* ec_;
  static TestKey* ed_;
  static TestKey* other_ec_;
};

TestKey* AuthVerifierTest::rsa_ = nullptr;
TestKey* AuthVerifierTest::ec_ = nullptr;
TestKey* AuthVerifierTest::ed_ = nullptr;
TestKey* AuthVerifierTest::other_ec_ = nullptr;

TEST_F(AuthVerifierTest, AcceptsEveryConfiguredAlgorithm) {
  struct Case {
    const TestKey* key;
    const char* alg;
  };
  for (const Case& c :
       {Case{rsa_, "RS256"}, Case{rsa_, "PS256"}, Case{ec_, "ES256"}, Case{ed_, "EdDSA"}}) {
    auto v = withPublicKey(*c.key);
    auto r = v->verify(sign(c.key->private_pem, c.alg, claims()), fixedNow());
    ASSERT_TRUE(r) << c.alg << ": " << r.error().message;
    EXPECT_EQ(r->subject, "alice");
    EXPECT_EQ(r->role, Role::kControl);
    EXPECT_EQ(r->token_id, "j1");
  }
  auto c = baseConfig();
  c.hmac_secret_file = dir_.write("secret", std::string(kHmacSecret) + "\n");
  auto v = verifierFor(c);
  auto r = v->verify(sign(kHmacSecret, "HS256", claims()), fixedNow());
  ASSERT_TRUE(r) << r.error().message;
}

TEST_F(AuthVerifierTest, AlgorithmAllowListIsEnforced) {
  auto v = withPublicKey(*rsa_, {"RS256"});
  EXPECT_EQ(rejection(*v, sign(rsa_->private_pem, "PS256", claims())),
            "jwt alg: 'PS256' is not an allowed algorithm");
}

TEST_F(AuthVerifierTest, RejectsAlgNone) {
  auto v = withPublicKey(*rsa_);
  const std::string body = encodeBase64Url(claims().dump());
  for (const char* alg : {"none", "None", "NONE"}) {
    const std::string head = encodeBase64Url(json{{"alg", alg}, {"typ", "JWT"}}.dump());
    EXPECT_EQ(rejection(*v, head + "." + body + "."),
              "jwt format: unsigned token (empty signature)");
    EXPECT_EQ(rejection(*v, head + "." + body + ".AAAA"), "jwt alg: 'none' is never accepted");
  }
}

TEST_F(AuthVerifierTest, RejectsAlgorithmConfusion) {
  // HS256 "signed" with the RSA public key PEM as the HMAC secret: what a naive verifier that
  // takes alg from the token would accept.
  const std::string forged = sign(rsa_->public_pem, "HS256", claims());
  auto v = withPublicKey(*rsa_);
  EXPECT_EQ(rejection(*v, forged), "jwt alg: 'HS256' is not an allowed algorithm");
  // The configuration that would allow it is refused...
  auto c = baseConfig();
  c.public_key_file = dir_.write("rsa.pub", rsa_->public_pem);
  c.algorithms = {"RS256", "HS256"};
  auto refused = Verifier::create(c);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("DESKSTREAM_JWT_ALGORITHMS"), std::string::npos);
  // ...and the key selection refuses it again, independent of configuration.
  auto keys = KeySet::fromPem(rsa_->public_pem);
  ASSERT_TRUE(keys);
  auto parsed = parseToken(forged);
  ASSERT_TRUE(parsed);
  auto sig = keys->verifySignature(forged, *parsed);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().message,
            "jwt alg: HS256 cannot be verified with this key (not an HMAC key)");
  // An EC token against an RSA key, alg allowed: the key type decides.
  auto ec_token = sign(ec_->private_pem, "ES256", claims());
  EXPECT_EQ(rejection(*v, ec_token), "jwt alg: ES256 cannot be verified with this key (not EC)");
}

TEST_F(AuthVerifierTest, RejectsUnknownAndMissingKid) {
  auto v = withJwks(jwks({publicJwk(*ec_, "k1"), publicJwk(*ed_, "k2")}));
  EXPECT_TRUE(v->verify(sign(ec_->private_pem, "ES256", claims(), {{"kid", "k1"}}), fixedNow()));
  EXPECT_TRUE(v->verify(sign(ed_->private_pem, "EdDSA", claims(), {{"kid", "k2"}}), fixedNow()));
  EXPECT_EQ(rejection(*v, sign(other_ec_->private_pem, "ES256", claims(), {{"kid", "k3"}})),
            "jwt kid: unknown key id");
  EXPECT_EQ(rejection(*v, sign(ec_->private_pem, "ES256", claims(), {{"kid", "../../etc/passwd"}})),
            "jwt kid: unknown key id");
  EXPECT_EQ(rejection(*v, sign(ec_->private_pem, "ES256", claims())),
            "jwt kid: missing, and the key set holds 2 keys");
  // The kid picks the key; a token claiming k2 but signed by k1's key fails.
  EXPECT_EQ(rejection(*v, sign(ec_->private_pem, "ES256", claims(), {{"kid", "k2"}})),
            "jwt alg: ES256 cannot be verified with this key (not EC)");
}

TEST_F(AuthVerifierTest, RejectsKeysInTheHeader) {
  auto v = withPublicKey(*ec_);
  for (const char* h : {"jku", "x5u", "x5c"}) {
    auto t = sign(ec_->private_pem, "ES256", claims(), {{h, "https://evil.example/keys"}});
    EXPECT_EQ(rejection(*v, t), std::string("jwt header: '") + h +
                                    "' is not accepted (keys come from configuration only)");
  }
  // An embedded jwk (CVE-2018-0114 style): the attacker's own key in the header.
  json header = {{"alg", "ES256"}, {"jwk", json::parse(publicJwk(*other_ec_, "x"))}};
  auto signed_by_attacker = sign(other_ec_->private_pem, "ES256", claims());
  const std::string forged =
      encodeBase64Url(header.dump()) + signed_by_attacker.substr(signed_by_attacker.find('.'));
  EXPECT_EQ(rejection(*v, forged),
            "jwt header: 'jwk' is not accepted (keys come from configuration only)");
}

TEST_F(AuthVerifierTest, RejectsBadSignatures) {
  auto v = withPublicKey(*ec_);
  auto good = sign(ec_->private_pem, "ES256", claims());
  ASSERT_TRUE(v->verify(good, fixedNow()));
  // Another key of the same type.
  EXPECT_EQ(rejection(*v, sign(other_ec_->private_pem, "ES256", claims())),
            "jwt signature: invalid");
  // A flipped signature bit.
  std::string flipped = good;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(rejection(*v, flipped), "jwt signature: invalid");
  // An all-zero ECDSA signature (CVE-2022-21449, "psychic signatures").
  const std::string zero =
      good.substr(0, good.rfind('.') + 1) + encodeBase64Url(std::string(64, '\0'));
  EXPECT_EQ(rejection(*v, zero), "jwt signature: invalid");
  // A payload swapped under a valid signature.
  auto more = claims();
  more["scope"] = "desktop:control";
  more["sub"] = "mallory";
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  const std::string swapped =
      good.substr(0, dot1 + 1) + encodeBase64Url(more.dump()) + good.substr(dot2);
  EXPECT_EQ(rejection(*v, swapped), "jwt signature: invalid");
  // HMAC with the wrong secret.
  auto c = baseConfig();
  c.hmac_secret_file = dir_.write("secret", kHmacSecret);
  auto hv = verifierFor(c);
  EXPECT_EQ(rejection(*hv, sign("another-secret-of-at-least-32-bytes!!", "HS256", claims())),
            "jwt signature: invalid");
}

TEST_F(AuthVerifierTest, HmacVariantsAndTruncation) {
  auto c = baseConfig();
  c.hmac_secret_file = dir_.write("secret", kHmacSecret);
  c.algorithms = {"HS256", "HS384", "HS512"};
  auto v = verifierFor(c);
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    const std::string t = sign(kHmacSecret, alg, claims());
    EXPECT_EQ(rejection(*v, t), "") << alg;
    // A truncated MAC (a prefix of the right one) must not pass.
    EXPECT_EQ(rejection(*v, t.substr(0, t.size() - 4)), "jwt signature: invalid") << alg;
  }
  // HS256 header over an HS512 MAC.
  const std::string t512 = sign(kHmacSecret, "HS512", claims());
  const std::string t256 = sign(kHmacSecret, "HS256", claims());
  EXPECT_EQ(rejection(*v, t256.substr(0, t256.rfind('.')) + t512.substr(t512.rfind('.'))),
            "jwt signature: invalid");
}

TEST_F(AuthVerifierTest, RejectsClaimFailuresAfterTheSignature) {
  auto v = withPublicKey(*ed_);
  auto with = [&](const char* name, json value) {
    auto c = claims();
    if (value.is_null()) {
      c.erase(name);
    } else {
      c[name] = value;
    }
    return rejection(*v, sign(ed_->private_pem, "EdDSA", c));
  };
  EXPECT_EQ(with("exp", kNow - 60), "jwt exp: token expired");
  EXPECT_EQ(with("exp", nullptr), "jwt exp: missing (tokens must expire)");
  EXPECT_EQ(with("nbf", kNow + 120), "jwt nbf: token not yet valid");
  EXPECT_EQ(with("iss", "https://evil.example"), "jwt iss: issuer not accepted");
  EXPECT_EQ(with("aud", "grafana"), "jwt aud: audience does not match");
  EXPECT_EQ(with("sid", "s-other"), "jwt session: claim 'sid' is not this session");
  EXPECT_EQ(with("scope", "openid"),
            "jwt role: claim 'scope' grants neither desktop:view nor desktop:control");
  EXPECT_EQ(with("exp", kNow - 20), "");  // within the 30 s leeway
  EXPECT_EQ(with("scope", "desktop:view"), "");
}

TEST_F(AuthVerifierTest, RequiredTyp) {
  auto c = baseConfig();
  c.public_key_file = dir_.write("ed.pub", ed_->public_pem);
  c.typ = "desk-connect+jwt";
  auto v = verifierFor(c);
  EXPECT_EQ(rejection(*v, sign(ed_->private_pem, "EdDSA", claims(), {{"typ", "JWT"}})),
            "jwt typ: header typ is not 'desk-connect+jwt'");
  EXPECT_EQ(rejection(*v, sign(ed_->private_pem, "EdDSA", claims(), {{"typ", "desk-connect+jwt"}})),
            "");
}

TEST_F(AuthVerifierTest, CreateReportsKeyProblems) {
  auto c = baseConfig();
  c.public_key_file = dir_.path() + "/missing.pem";
  auto r = Verifier::create(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("DESKSTREAM_JWT_PUBLIC_KEY_FILE"), std::string::npos);
  c.public_key_file = dir_.write("priv.pem", "garbage");
  EXPECT_FALSE(Verifier::create(c));
  c = baseConfig();
  c.hmac_secret_file = dir_.write("short", "too-short\n");
  r = Verifier::create(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("shorter than 32 bytes"), std::string::npos);
  c = baseConfig();
  c.jwks_file = dir_.write("empty.json", R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})");
  r = Verifier::create(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no usable"), std::string::npos);
}

TEST_F(AuthVerifierTest, VerifyAsyncWithStaticKeysAnswersImmediately) {
  auto c = baseConfig();
  c.public_key_file = dir_.write("ec.pub", ec_->public_pem);
  VerifierOptions options;
  options.clock = [] { return fixedNow(); };
  auto v = Verifier::create(c, options);
  ASSERT_TRUE(v);
  bool called = false;
  (*v)->verifyAsync(sign(ec_->private_pem, "ES256", claims()), [&](Result<Principal> r) {
    called = true;
    EXPECT_TRUE(r) << r.error().message;
  });
  EXPECT_TRUE(called);
  // A callback that throws must not escape.
  (*v)->verifyAsync("x.y.z", [](Result<Principal>) { throw std::runtime_error("boom"); });
}

}  // namespace
}  // namespace ds::auth
