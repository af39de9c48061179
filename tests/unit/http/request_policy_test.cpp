#include "http/request_policy.hpp"

#include <gtest/gtest.h>

#include "core/strings.hpp"

namespace ds::http {
namespace {

TEST(Policy, Routes) {
  EXPECT_EQ(classify("/health"), Route::kHealth);
  EXPECT_EQ(classify("/health/"), Route::kHealth);
  EXPECT_EQ(classify("/readyz"), Route::kReadyz);
  EXPECT_EQ(classify("/turn"), Route::kTurn);
  EXPECT_EQ(classify("/app/turn"), Route::kTurn);
  EXPECT_EQ(classify("/selftest"), Route::kSelfTest);
  EXPECT_EQ(classify("/app/selftest"), Route::kSelfTest);
  EXPECT_EQ(classify("/selftest.html"), Route::kStatic);
  EXPECT_EQ(classify("/ws"), Route::kSignalling);
  EXPECT_EQ(classify("/webrtc/signalling/"), Route::kSignalling);
  EXPECT_EQ(classify("/x/signalling"), Route::kSignalling);
  EXPECT_EQ(classify("/"), Route::kStatic);
  EXPECT_EQ(classify("/signallingx"), Route::kStatic);
}

TEST(Policy, BasicAuth) {
  const auto c = parseBasic("Basic " + base64Encode("user:pa:ss"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "user");
  EXPECT_EQ(c->password, "pa:ss");
  EXPECT_TRUE(credentialsMatch(*c, "user", "pa:ss"));
  EXPECT_FALSE(credentialsMatch(*c, "user", "pa:s"));
  EXPECT_FALSE(credentialsMatch(*c, "usr", "pa:ss"));
  EXPECT_FALSE(parseBasic("Bearer abc"));
  EXPECT_FALSE(parseBasic("Basic !!!"));
  EXPECT_FALSE(parseBasic("Basic " + base64Encode("nocolon")));
  EXPECT_FALSE(parseBasic(""));
}

TEST(Policy, StaticPathsStayUnderRoot) {
  EXPECT_EQ(staticFilePath("/r", "/"), "/r/index.html");
  EXPECT_EQ(staticFilePath("/r", "/src/app.js"), "/r/src/app.js");
  EXPECT_EQ(staticFilePath("/r", "/dir/"), "/r/dir/index.html");
  EXPECT_FALSE(staticFilePath("/r", "/../etc/passwd"));
  EXPECT_FALSE(staticFilePath("/r", "/a/../../b"));
  EXPECT_FALSE(staticFilePath("/r", "//etc/passwd"));
  EXPECT_FALSE(staticFilePath("/r", "relative"));
  EXPECT_FALSE(staticFilePath("/r", "/a\\..\\b"));
  EXPECT_EQ(mimeType("/r/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mimeType("/r/INDEX.HTML"), "text/html; charset=utf-8");
}

}  // namespace
}  // namespace ds::http
