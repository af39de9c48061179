#include "auth/transport.hpp"

#include <gtest/gtest.h>

namespace ds::auth {
namespace {

TEST(AuthTransport, Authorization) {
  EXPECT_EQ(tokenFromAuthorization("Bearer a.b.c"), "a.b.c");
  EXPECT_EQ(tokenFromAuthorization("bearer   a.b.c "), "a.b.c");
  EXPECT_EQ(tokenFromAuthorization("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(tokenFromAuthorization("Bearer "), std::nullopt);
  EXPECT_EQ(tokenFromAuthorization("Bearer"), std::nullopt);
}

TEST(AuthTransport, WebSocketProtocols) {
  EXPECT_EQ(tokenFromWebSocketProtocols("desk.v1, base64url.bearer.a.b.c"), "a.b.c");
  EXPECT_EQ(tokenFromWebSocketProtocols("base64url.bearer.x.y.z,desk.v1"), "x.y.z");
  EXPECT_EQ(tokenFromWebSocketProtocols("desk.v1"), std::nullopt);
  EXPECT_EQ(tokenFromWebSocketProtocols("base64url.bearer."), std::nullopt);
}

TEST(AuthTransport, Cookies) {
  EXPECT_EQ(cookieValue("a=1; ds_session=abc; b=2", "ds_session"), "abc");
  EXPECT_EQ(cookieValue("xds_session=abc", "ds_session"), std::nullopt);
  EXPECT_EQ(cookieValue("", "ds_session"), std::nullopt);
  EXPECT_EQ(sessionCookie("abc", 300, "/s/1/"),
            "ds_session=abc; Path=/s/1/; Max-Age=300; HttpOnly; Secure; SameSite=Strict");
  EXPECT_EQ(sessionCookie("abc", -5),
            "ds_session=abc; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
}

}  // namespace
}  // namespace ds::auth
