#include "auth/token_parser.hpp"

#include <gtest/gtest.h>

namespace ds::auth {
namespace {

std::string b64(const std::string& s) { return encodeBase64Url(s); }

std::string errorOf(std::string_view token) {
  auto r = parseToken(token);
  return r ? "" : r.error().message;
}

TEST(AuthTokenParser, ParsesCompactJws) {
  const std::string t =
      b64(R"({"alg":"ES256","kid":"k1"})") + "." + b64(R"({"sub":"a"})") + ".c2ln";
  auto r = parseToken(t);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->alg, "ES256");
  EXPECT_EQ(r->kid, "k1");
  EXPECT_EQ(r->claims["sub"], "a");
}

TEST(AuthTokenParser, RejectsMalformed) {
  const std::string h = b64(R"({"alg":"ES256"})");
  const std::string p = b64(R"({"sub":"a"})");
  EXPECT_EQ(errorOf(""), "jwt format: empty token");
  EXPECT_EQ(errorOf("abc"), "jwt format: not three dot-separated parts");
  EXPECT_EQ(errorOf(h + "." + p), "jwt format: not three dot-separated parts");
  EXPECT_EQ(errorOf(h + "." + p + ".s.x"), "jwt format: not three dot-separated parts");
  EXPECT_EQ(errorOf("a.b.c.d.e"), "jwt format: JWE (encrypted) tokens are not accepted");
  EXPECT_EQ(errorOf(h + "." + p + "."), "jwt format: unsigned token (empty signature)");
  EXPECT_EQ(errorOf("." + p + ".c2ln"), "jwt format: empty header or payload");
  EXPECT_EQ(errorOf(h + "." + p + ".c2l+"), "jwt format: signature is not base64url");
  EXPECT_EQ(errorOf(h + "=." + p + ".c2ln"), "jwt format: header is not base64url");
  EXPECT_EQ(errorOf(b64("not json") + "." + p + ".c2ln"), "jwt format: header is not JSON");
  EXPECT_EQ(errorOf(b64("[1]") + "." + p + ".c2ln"), "jwt format: header is not a JSON object");
  EXPECT_EQ(errorOf(h + "." + b64("\"s\"") + ".c2ln"), "jwt format: payload is not a JSON object");
  EXPECT_EQ(errorOf(b64(R"({"typ":"JWT"})") + "." + p + ".c2ln"),
            "jwt format: header has no string 'alg'");
  EXPECT_EQ(errorOf(b64(R"({"alg":1})") + "." + p + ".c2ln"),
            "jwt format: header has no string 'alg'");
  EXPECT_EQ(errorOf(b64(R"({"alg":"ES256","kid":7})") + "." + p + ".c2ln"),
            "jwt format: header 'kid' is not a string");
  EXPECT_EQ(errorOf(std::string(kMaxTokenSize + 1, 'a')), "jwt format: token longer than 8 KiB");
}

TEST(AuthTokenParser, Base64Url) {
  EXPECT_EQ(decodeBase64Url("aGk"), "hi");
  EXPECT_EQ(decodeBase64Url("_-8"), std::string("\xff\xef", 2));
  EXPECT_EQ(decodeBase64Url("aGk="), std::nullopt);
  EXPECT_EQ(decodeBase64Url("a+/A"), std::nullopt);
  EXPECT_EQ(decodeBase64Url("a"), std::nullopt);
  EXPECT_EQ(encodeBase64Url(std::string("\xff\xef", 2)), "_-8");
}

}  // namespace
}  // namespace ds::auth
