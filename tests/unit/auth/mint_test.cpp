// Minting and the `deskstream token` command, checked by the verifier.
#include "auth/mint.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "auth/token_parser.hpp"
#include "auth/verifier.hpp"
#include "unit/auth/auth_test_util.hpp"

namespace ds::auth {
namespace {

using namespace ds::auth::testing;

MintOptions options() {
  MintOptions o;
  o.subject = "alice";
  o.session_id = kSession;
  o.role = Role::kControl;
  o.issuer = kIssuer;
  o.audience = kAudience;
  o.now = fixedNow();
  return o;
}

TEST(AuthMint, PicksTheAlgorithmFromTheKeyAndVerifies) {
  TempDir dir;
  for (KeyType type : {KeyType::kRsa, KeyType::kEcP256, KeyType::kEd25519}) {
    const TestKey key = generateKey(type);
    auto o = options();
    o.key_file = dir.write("key.pem", key.private_pem);
    o.key_id = "kid-1";
    auto token = mint(o);
    ASSERT_TRUE(token) << token.error().message;
    auto parsed = parseToken(*token);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->kid, "kid-1");
    EXPECT_EQ(parsed->header["typ"], "JWT");
    EXPECT_EQ(parsed->claims["scope"], "desktop:control");
    EXPECT_EQ(parsed->claims["exp"], 1800000300);
    EXPECT_EQ(parsed->claims["jti"].get<std::string>().size(), 22u);

    auto c = baseConfig();
    c.public_key_file = dir.write("key.pub", key.public_pem);
    auto v = Verifier::create(c);
    ASSERT_TRUE(v);
    auto p = (*v)->verify(*token, fixedNow());
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->subject, "alice");
    EXPECT_EQ(p->role, Role::kControl);
  }
}

TEST(AuthMint, HmacSecretFile) {
  TempDir dir;
  auto o = options();
  o.key_file = dir.write("secret", std::string(kHmacSecret) + "\n");
  o.role = Role::kView;
  auto token = mint(o);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(parseToken(*token)->alg, "HS256");
  auto c = baseConfig();
  c.hmac_secret_file = o.key_file;
  auto p = (*Verifier::create(c))->verify(*token, fixedNow());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->role, Role::kView);
  o.key_file = dir.write("weak", "password\n");
  EXPECT_FALSE(mint(o));
}

TEST(AuthMint, RequiresSubjectSessionAndKey) {
  auto o = options();
  EXPECT_FALSE(mint(o));  // no key file
  EXPECT_FALSE(mintWithKey(kHmacSecret, [&] {
    auto x = o;
    x.subject.clear();
    return x;
  }()));
  EXPECT_FALSE(mintWithKey(kHmacSecret, [&] {
    auto x = o;
    x.session_id.clear();
    return x;
  }()));
  EXPECT_FALSE(mintWithKey(kHmacSecret, [&] {
    auto x = o;
    x.ttl = std::chrono::seconds(0);
    return x;
  }()));
  EXPECT_FALSE(mintWithKey(generateKey(KeyType::kEcP256).private_pem, [&] {
    auto x = o;
    x.algorithm = "RS256";
    return x;
  }()));
}

int run(std::vector<std::string> args, std::string& out, std::string& err,
        std::map<std::string, std::string> env = {}) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream o, e;
  const int rc = runTokenCommand(static_cast<int>(argv.size()), argv.data(), o, e,
                                 [&](std::string_view n) -> std::optional<std::string> {
                                   const auto it = env.find(std::string(n));
                                   if (it == env.end()) return std::nullopt;
                                   return it->second;
                                 });
  out = o.str();
  err = e.str();
  return rc;
}

TEST(AuthTokenCommand, PrintsAVerifiableToken) {
  TempDir dir;
  const TestKey key = generateKey(KeyType::kEd25519);
  const std::string key_file = dir.write("k.pem", key.private_pem);
  std::string out, err;
  ASSERT_EQ(run({"token", "--key", key_file, "--sub", "bob", "--role", "view", "--ttl", "600",
                 "--aud", kAudience, "--kid", "k1"},
                out, err,
                {{"DESKSTREAM_JWT_ISSUER", std::string(kIssuer) + ",https://x"},
                 {"DESKSTREAM_JWT_SESSION", kSession}}),
            0)
      << err;
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  out.pop_back();
  auto c = baseConfig();
  c.public_key_file = dir.write("k.pub", key.public_pem);
  auto p = (*Verifier::create(c))->verify(out, std::chrono::system_clock::now());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->subject, "bob");
  EXPECT_EQ(p->role, Role::kView);
}

TEST(AuthTokenCommand, RejectsBadArguments) {
  std::string out, err;
  EXPECT_NE(run({"token", "--sub", "bob"}, out, err), 0);  // --key missing
  EXPECT_NE(run({"token", "--key", "/nonexistent", "--sub", "b", "--session", "s"}, out, err), 0);
  EXPECT_NE(err.find("/nonexistent"), std::string::npos);
  EXPECT_NE(run({"token", "--key", "k", "--sub", "b", "--role", "admin"}, out, err), 0);
  EXPECT_NE(run({"token", "--key", "k", "--sub", "b", "--ttl", "0"}, out, err), 0);
  EXPECT_EQ(run({"token", "--help"}, out, err), 0);
  EXPECT_NE(out.find("--session"), std::string::npos);
}

}  // namespace
}  // namespace ds::auth
