// The shared encode's setting from several viewers' controllers: the lowest target wins, a new
// viewer starts where the encode is, the ladder lowers the frame rate, small changes are not
// applied, the configured values are the ceiling, and without congestion control nothing moves.
#include "session/network_adaptation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace ds::session {
namespace {

using congestion::Clock;
using congestion::Feedback;
using std::chrono::milliseconds;

struct Applied {
  std::vector<EncoderSetting> settings;
  NetworkAdaptation::Apply fn() {
    return [this](const EncoderSetting& s) { settings.push_back(s); };
  }
};

// `n` feedback samples 100 ms apart from a path that carries `capacity` kbit/s.
Clock::time_point feed(NetworkAdaptation& a, int id, Clock::time_point t, double capacity, int n) {
  for (int i = 0; i < n; ++i) {
    t += milliseconds(100);
    const double sent = a.figures(id)->target_kbps;
    a.onFeedback(id, Feedback{t, sent, std::min(sent, capacity), 0});
  }
  return t;
}

TEST(NetworkAdaptation, TheLowestViewerSetsTheEncodeAndAFastViewerIsNotCounted) {
  Applied applied;
  NetworkAdaptation a(true, 8000, 30, applied.fn());
  a.setPictureSize(1920, 1080);
  auto t = Clock::now();
  a.addViewer(1, t);
  a.addViewer(2, t);
  EXPECT_EQ(a.setting(), (EncoderSetting{8000, 30}));
  t = feed(a, 1, t, 100000, 5);  // viewer 1: a fast path
  EXPECT_EQ(a.setting().kbps, 8000);
  t = feed(a, 2, t, 2000, 30);  // viewer 2: 2 Mbit/s
  const auto s = a.setting();
  EXPECT_LE(s.kbps, 2000);
  EXPECT_LT(s.fps, 30) << "1080p at under 2 Mbit/s: fewer frames";
  EXPECT_TRUE(a.limited());
  ASSERT_TRUE(a.figures(2));
  EXPECT_GT(a.figures(2)->capacity_kbps, 0);
  EXPECT_FALSE(applied.settings.empty());
  a.removeViewer(2);
  EXPECT_EQ(a.setting().kbps, 8000) << "the slow viewer left: viewer 1's target rules again";
}

TEST(NetworkAdaptation, ANewViewerStartsWhereTheEncodeIs) {
  NetworkAdaptation a(true, 8000, 30, nullptr);
  auto t = Clock::now();
  a.addViewer(1, t);
  t = feed(a, 1, t, 3000, 30);
  const int now = a.setting().kbps;
  ASSERT_LT(now, 3500);
  a.addViewer(2, t);
  EXPECT_EQ(a.figures(2)->target_kbps, now);
  EXPECT_LE(a.setting().kbps, now);
}

TEST(NetworkAdaptation, ConfiguredValuesAreTheCeilingAndTheLastViewerResets) {
  Applied applied;
  NetworkAdaptation a(true, 8000, 30, applied.fn());
  auto t = Clock::now();
  a.addViewer(1, t);
  a.setConfigured(4000, 30);
  EXPECT_EQ(a.setting(), (EncoderSetting{4000, 30}));
  EXPECT_EQ(a.figures(1)->target_kbps, 4000);
  t = feed(a, 1, t, 1000, 20);
  EXPECT_LE(a.setting().kbps, 1000);
  a.removeViewer(1);
  EXPECT_EQ(a.setting(), (EncoderSetting{4000, 30})) << "the next pipeline starts at the top";
  EXPECT_FALSE(a.limited());
}

// A user's `vb` while the network holds the encode lower: the manager sets the encoder to the
// new value first, so the adaptation must put it back under the viewer's target at once; the
// new value is the ceiling, and the target climbs to it only as the path allows.
TEST(NetworkAdaptation, AUserBitrateIsTheCeilingNotAJumpAboveTheNetwork) {
  Applied applied;
  NetworkAdaptation a(true, 8000, 30, applied.fn());
  a.setPictureSize(1280, 720);
  auto t = Clock::now();
  a.addViewer(1, t);
  t = feed(a, 1, t, 1500, 40);
  const auto held = a.setting();
  // Near the path's 1500: the controller probes a little above it between decreases.
  ASSERT_LE(held.kbps, 1650);
  const size_t before = applied.settings.size();
  a.setConfigured(6000, 30);  // higher than the path carries
  ASSERT_EQ(applied.settings.size(), before + 1) << "applied although the target did not move";
  EXPECT_EQ(applied.settings.back(), held);
  EXPECT_LE(a.setting().kbps, 1650);
  const int low = std::max(300, held.kbps / 2);
  a.setConfigured(low, 30);  // under the current target: the new ceiling at once
  EXPECT_EQ(applied.settings.back().kbps, low);
  EXPECT_EQ(a.figures(1)->target_kbps, low);
  t = feed(a, 1, t, 100000, 50);  // a fast path again: never above the user's value
  EXPECT_EQ(a.setting().kbps, low);
  for (size_t i = before + 1; i < applied.settings.size(); ++i) {
    EXPECT_LE(applied.settings[i].kbps, low) << "setting " << i;
  }
  a.setConfigured(low, 20);  // a user frame rate is a ceiling too
  EXPECT_LE(applied.settings.back().fps, 20);
}

// A path too slow for readable text even at 10 fps: the encoded picture shrinks (75 %, then
// 50 % of the captured size), and grows back, a rung at a time, when the path is fast again.
TEST(NetworkAdaptation, AVerySlowPathShrinksThePictureAfterTheFrameRateAndRestoresIt) {
  Applied applied;
  NetworkAdaptation a(true, 8000, 30, applied.fn());
  a.setPictureSize(1920, 1080);
  auto t = Clock::now();
  a.addViewer(1, t);
  t = feed(a, 1, t, 300, 200);  // 20 s at 300 kbit/s
  EXPECT_EQ(a.setting().fps, 10) << "fewer frames first";
  EXPECT_EQ(a.setting().scale_percent, 50);
  EXPECT_TRUE(a.limited());
  // Every step down lowered the frame rate before the size: no setting at full frame rate and
  // a reduced size.
  for (const auto& s : applied.settings) {
    if (s.scale_percent < 100) EXPECT_EQ(s.fps, 10) << s.kbps << " kbit/s";
  }
  t = feed(a, 1, t, 100000, 300);  // 30 s of a fast path
  EXPECT_EQ(a.setting().scale_percent, 100);
  EXPECT_EQ(a.setting().fps, 30);
  EXPECT_FALSE(a.limited());
  bool back_through_75 = false;
  for (size_t i = 1; i < applied.settings.size(); ++i) {
    if (applied.settings[i - 1].scale_percent == 50 && applied.settings[i].scale_percent == 75) {
      back_through_75 = true;
    }
  }
  EXPECT_TRUE(back_through_75) << "one rung at a time on the way up";
}

TEST(NetworkAdaptation, SmallChangesAreNotApplied) {
  Applied applied;
  NetworkAdaptation a(true, 8000, 30, applied.fn());
  auto t = Clock::now();
  a.addViewer(1, t);
  t = feed(a, 1, t, 3000, 30);
  const size_t before = applied.settings.size();
  const int kbps = a.setting().kbps;
  // One more sample of a rising target moves it by well under 3 %.
  t += milliseconds(100);
  a.onFeedback(1, Feedback{t, static_cast<double>(kbps), static_cast<double>(kbps), 0});
  EXPECT_LE(applied.settings.size(), before + 1);
  for (size_t i = 1; i < applied.settings.size(); ++i) {
    const auto& p = applied.settings[i - 1];
    const auto& q = applied.settings[i];
    const bool meaningful =
        p.fps != q.fps || q.kbps == 8000 || std::abs(q.kbps - p.kbps) >= 0.03 * p.kbps;
    EXPECT_TRUE(meaningful) << p.kbps << " -> " << q.kbps;
  }
}

TEST(NetworkAdaptation, OffMeansTheConfiguredSettingWhateverHappens) {
  Applied applied;
  NetworkAdaptation a(false, 8000, 30, applied.fn());
  auto t = Clock::now();
  a.addViewer(1, t);
  t += milliseconds(100);
  a.onFeedback(1, Feedback{t, 8000, 1000, 0.3});
  EXPECT_EQ(a.setting(), (EncoderSetting{8000, 30}));
  EXPECT_FALSE(a.figures(1));
  EXPECT_FALSE(a.limited());
  EXPECT_TRUE(applied.settings.empty());
}

// Both viewers' feedback, 100 ms apart, `n` times: each path carries its own capacity.
Clock::time_point feedBoth(NetworkAdaptation& a, Clock::time_point t, double fast, double slow,
                           int n) {
  for (int i = 0; i < n; ++i) {
    t += milliseconds(100);
    for (auto [id, capacity] : {std::pair{1, fast}, std::pair{2, slow}}) {
      const double sent = a.settingFor(id).kbps;
      a.onFeedback(id, Feedback{t, sent, std::min(sent, capacity), 0});
    }
  }
  return t;
}

TEST(NetworkAdaptation, AFarSlowerMovableViewerGetsTheLowerEncodeAndTheOthersTheirOwnQuality) {
  Applied applied;
  std::vector<std::optional<EncoderSetting>> low_applied;
  NetworkAdaptation a(true, 8000, 30, applied.fn());
  a.onLowEncode([&](const std::optional<EncoderSetting>& s) { low_applied.push_back(s); });
  a.setPictureSize(1920, 1080);
  auto t = Clock::now();
  a.addViewer(1, t);
  a.addViewer(2, t);
  a.setMovable(1, true);
  a.setMovable(2, true);
  t = feedBoth(a, t, 100000, 1500, 15);  // 1.5 s: the shared encode follows the slow one first
  EXPECT_LT(a.setting().kbps, 2000);
  EXPECT_TRUE(a.lowViewers().empty());
  t = feedBoth(a, t, 100000, 1500, 40);  // 4 s more: past the 2 s wait
  ASSERT_EQ(a.lowViewers(), std::set<int>{2});
  ASSERT_TRUE(a.lowSetting());
  ASSERT_FALSE(low_applied.empty());
  EXPECT_TRUE(low_applied.back());
  EXPECT_EQ(a.setting().kbps, 8000) << "the shared encode runs at the fast viewer's target";
  EXPECT_LE(a.lowSetting()->kbps, 1500);
  EXPECT_LT(a.lowSetting()->fps, 30) << "1080p at 1.5 Mbit/s: fewer frames";
  EXPECT_EQ(a.settingFor(2), *a.lowSetting());
  EXPECT_EQ(a.settingFor(1), a.setting());
  EXPECT_TRUE(a.figures(2)->low_encode);
  EXPECT_FALSE(a.figures(1)->low_encode);
  EXPECT_TRUE(a.limitedFor(2));
  t = feedBoth(a, t, 100000, 1500, 100);  // the shared encode's ladder climbs back, rung by rung
  EXPECT_EQ(a.setting(), (EncoderSetting{8000, 30})) << "nothing holds the fast viewer back";
  EXPECT_FALSE(a.limitedFor(1));
  EXPECT_EQ(a.lowViewers(), std::set<int>{2});

  // The slow path clears: viewer 2 comes back once its target nears the fast one's.
  t = feedBoth(a, t, 100000, 100000, 400);
  EXPECT_TRUE(a.lowViewers().empty());
  EXPECT_FALSE(a.lowSetting());
  ASSERT_FALSE(low_applied.empty());
  EXPECT_FALSE(low_applied.back()) << "the lower encode may stop";
}

TEST(NetworkAdaptation, AStalledViewerLowersTheEncodeWithoutFeedback) {
  Applied applied;
  NetworkAdaptation a(true, 8000, 30, applied.fn());
  a.setPictureSize(1920, 1080);
  auto t = Clock::now();
  a.addViewer(1, t);
  t = feed(a, 1, t, 100000, 5);
  ASSERT_EQ(a.setting().kbps, 8000);
  // Nothing acknowledged for 1 s and then 2 s: bounds of 1200 and 600 kbit/s.
  t += milliseconds(1000);
  a.onStall(1, t, 1200);
  EXPECT_EQ(a.setting().kbps, 4000) << "at most half per stall sample";
  t += milliseconds(1000);
  a.onStall(1, t, 600);
  EXPECT_EQ(a.setting().kbps, 2000);
  EXPECT_LT(a.setting().fps, 30);
  EXPECT_EQ(a.figures(1)->decreases.stall, 2u);
  EXPECT_TRUE(a.limited());
  a.onStall(7, t, 100);  // an unknown viewer: nothing
  EXPECT_EQ(a.setting().kbps, 2000);
}

TEST(NetworkAdaptation, ViewersThatCannotBeMovedShareOneEncodeAsBefore) {
  NetworkAdaptation a(true, 8000, 30, nullptr);
  auto t = Clock::now();
  a.addViewer(1, t);
  a.addViewer(2, t);  // neither marked movable (a WebSocket client, an H.265 viewer)
  t = feedBoth(a, t, 100000, 1500, 80);
  EXPECT_TRUE(a.lowViewers().empty());
  EXPECT_LE(a.setting().kbps, 1650) << "the shared encode follows the slow viewer's 1500";
  // Marked movable later (once connected), it moves after the wait.
  a.setMovable(2, true);
  t = feedBoth(a, t, 100000, 1500, 40);
  EXPECT_EQ(a.lowViewers(), std::set<int>{2});
  // And back at once when it can no longer be moved.
  a.setMovable(2, false);
  EXPECT_TRUE(a.lowViewers().empty());
  a.removeViewer(2);
  a.removeViewer(1);
  EXPECT_FALSE(a.lowSetting());
}

}  // namespace
}  // namespace ds::session
