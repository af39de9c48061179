#include "http/probe_cache.hpp"

#include <gtest/gtest.h>

namespace ds::http {
namespace {

using std::chrono::milliseconds;

TEST(ProbeCache, AtMostOneCheckPerIntervalAndOneInFlight) {
  const auto t0 = ProbeCache::Clock::time_point{} + std::chrono::hours(1);
  ProbeCache cache(true, milliseconds(1000), milliseconds(5000), t0);
  EXPECT_FALSE(cache.startCheck(t0 + milliseconds(500)));  // checked at t0 (startup)
  EXPECT_TRUE(cache.startCheck(t0 + milliseconds(1000)));
  EXPECT_FALSE(cache.startCheck(t0 + milliseconds(3000)));  // still running
  cache.finished(false, t0 + milliseconds(3100));
  EXPECT_FALSE(cache.up(t0 + milliseconds(3100)));
  EXPECT_FALSE(cache.startCheck(t0 + milliseconds(4000)));
  EXPECT_TRUE(cache.startCheck(t0 + milliseconds(4100)));
  cache.finished(true, t0 + milliseconds(4150));
  EXPECT_TRUE(cache.up(t0 + milliseconds(4150)));
}

TEST(ProbeCache, ServesTheLastResultWhileACheckRuns) {
  const auto t0 = ProbeCache::Clock::time_point{} + std::chrono::hours(1);
  ProbeCache cache(true, milliseconds(1000), milliseconds(5000), t0);
  ASSERT_TRUE(cache.startCheck(t0 + milliseconds(2000)));
  EXPECT_TRUE(cache.up(t0 + milliseconds(2500)));
  EXPECT_TRUE(cache.running());
}

TEST(ProbeCache, AHungCheckReportsDown) {
  const auto t0 = ProbeCache::Clock::time_point{} + std::chrono::hours(1);
  ProbeCache cache(true, milliseconds(1000), milliseconds(5000), t0);
  ASSERT_TRUE(cache.startCheck(t0 + milliseconds(1000)));
  EXPECT_TRUE(cache.up(t0 + milliseconds(5999)));
  EXPECT_FALSE(cache.up(t0 + milliseconds(6000)));
  cache.finished(true, t0 + milliseconds(7000));
  EXPECT_TRUE(cache.up(t0 + milliseconds(7000)));
}

}  // namespace
}  // namespace ds::http
