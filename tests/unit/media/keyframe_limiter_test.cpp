#include "media/keyframe_limiter.hpp"

#include <gtest/gtest.h>

namespace ds::media {
namespace {

using namespace std::chrono_literals;
using D = KeyframeLimiter::Decision;
const KeyframeLimiter::Clock::time_point t0{std::chrono::seconds(1000)};

TEST(KeyframeLimiter, PerPeerPassesTheFirstThenOnePerInterval) {
  KeyframeLimiter peer(500ms, /*coalesce=*/false);
  EXPECT_EQ(peer.request(t0), D::kForward) << "a new viewer's first PLI passes at once";
  // 200 PLIs/s for 2 s: 4 pass (t0 + 0.5, 1.0, 1.5 s) besides the first.
  int forwarded = 0;
  for (int i = 1; i <= 400; ++i) {
    if (peer.request(t0 + i * 5ms) == D::kForward) ++forwarded;
  }
  EXPECT_EQ(forwarded, 4);
  EXPECT_EQ(peer.forwarded(), 5u);
  EXPECT_EQ(peer.dropped(), 396u);
}

TEST(KeyframeLimiter, OverallCoalescesIntoOneKeyframeAtTheEndOfTheInterval) {
  KeyframeLimiter all(500ms, /*coalesce=*/true);
  EXPECT_EQ(all.request(t0), D::kForward);
  EXPECT_EQ(all.request(t0 + 10ms), D::kDefer);
  EXPECT_EQ(all.deferUntil(), t0 + 500ms);
  EXPECT_EQ(all.request(t0 + 20ms), D::kCoalesced);
  EXPECT_EQ(all.request(t0 + 600ms), D::kCoalesced) << "the deferred one is still pending";
  all.fireDeferred(t0 + 600ms);
  EXPECT_EQ(all.request(t0 + 700ms), D::kDefer);
  EXPECT_EQ(all.deferUntil(), t0 + 1100ms);
  all.fireDeferred(t0 + 1100ms);
  all.fireDeferred(t0 + 1200ms);  // nothing pending: no extra keyframe
  EXPECT_EQ(all.forwarded(), 3u);
  EXPECT_EQ(all.request(t0 + 1700ms), D::kForward) << "idle again: immediate";
}

TEST(KeyframeLimiter, KeyframesPerSecondStayAtTheCapUnderSpam) {
  // Two spamming viewers at 200/s each through their per-peer limits, then the overall one.
  KeyframeLimiter a(500ms, false), b(500ms, false), all(500ms, true);
  std::optional<KeyframeLimiter::Clock::time_point> due;
  int keyframes = 0;
  for (int ms = 0; ms < 10000; ++ms) {
    const auto now = t0 + std::chrono::milliseconds(ms);
    if (due && now >= *due) {
      all.fireDeferred(now);
      ++keyframes;
      due.reset();
    }
    if (ms % 5 != 0) continue;
    for (auto* peer : {&a, &b}) {
      if (peer->request(now) != D::kForward) continue;
      switch (all.request(now)) {
        case D::kForward:
          ++keyframes;
          break;
        case D::kDefer:
          due = all.deferUntil();
          break;
        case D::kCoalesced:
          break;
      }
    }
  }
  EXPECT_GE(keyframes, 19);
  EXPECT_LE(keyframes, 21) << "10 s at 2/s";
}

TEST(KeyframeLimiter, ZeroIntervalIsUnlimited) {
  KeyframeLimiter none(0ms, true);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(none.request(t0 + i * 1ms), D::kForward);
  EXPECT_EQ(none.request(t0 + 99ms), D::kForward);
}

}  // namespace
}  // namespace ds::media
