#include <gtest/gtest.h>

#include "auth/jwks_fetcher.hpp"

namespace ds::auth {
namespace {

using std::chrono::seconds;

TEST(AuthCacheControl, MaxAge) {
  EXPECT_EQ(parseCacheControlMaxAge("public, max-age=600"), seconds(600));
  EXPECT_EQ(parseCacheControlMaxAge("Max-Age=\"30\""), seconds(30));
  EXPECT_EQ(parseCacheControlMaxAge("max-age=600, no-cache"), seconds(0));
  EXPECT_EQ(parseCacheControlMaxAge("no-store"), seconds(0));
  EXPECT_EQ(parseCacheControlMaxAge("public"), std::nullopt);
  EXPECT_EQ(parseCacheControlMaxAge("max-age=-1"), std::nullopt);
  EXPECT_EQ(parseCacheControlMaxAge("max-age=abc"), std::nullopt);
  EXPECT_EQ(parseCacheControlMaxAge("max-age=99999999999999"), seconds(1LL << 31));
}

}  // namespace
}  // namespace ds::auth
