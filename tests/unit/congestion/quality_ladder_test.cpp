// Which frame rate and size the ladder picks for a bitrate: fewer frames first, then a smaller
// picture; one rung up at a time with a margin, at most one change per interval.
#include "congestion/quality_ladder.hpp"

#include <gtest/gtest.h>

namespace ds::congestion {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(QualityLadder, FullQualityWhileEachPixelGetsEnoughBits) {
  QualityLadder ladder({1920, 1080, 30});
  EXPECT_EQ(ladder.update(8000, steady_clock::time_point{}), (Quality{30, 100}));
  EXPECT_NEAR(ladder.bitsPerPixel(8000, {30, 100}), 0.129, 0.001);
}

TEST(QualityLadder, FewerFramesBeforeASmallerPicture) {
  for (auto [kbps, expected] :
       {std::pair{2600, Quality{30, 100}}, std::pair{2000, Quality{24, 100}},
        std::pair{1500, Quality{15, 100}}, std::pair{900, Quality{10, 100}},
        std::pair{500, Quality{10, 75}}, std::pair{300, Quality{10, 50}},
        std::pair{50, Quality{10, 50}}}) {
    QualityLadder ladder({1920, 1080, 30});
    EXPECT_EQ(ladder.update(kbps, steady_clock::time_point{}), expected) << kbps << " kbit/s";
  }
}

TEST(QualityLadder, LowConfiguredFrameRatesKeepTheirRate) {
  QualityLadder low({1280, 720, 8});
  EXPECT_EQ(low.update(200, steady_clock::time_point{}), (Quality{8, 75}));
  QualityLadder lower({1280, 720, 8});
  EXPECT_EQ(lower.update(100, steady_clock::time_point{}), (Quality{8, 50}));
}

TEST(QualityLadder, StepsUpOneRungAtATimeWithAMarginAndNotTooOften) {
  auto t = steady_clock::time_point{};
  QualityLadder ladder({1920, 1080, 30});
  EXPECT_EQ(ladder.update(300, t), (Quality{10, 50}));
  t += milliseconds(500);
  EXPECT_EQ(ladder.update(8000, t), (Quality{10, 50})) << "within the interval";
  t += milliseconds(2000);
  EXPECT_EQ(ladder.update(8000, t), (Quality{10, 75}));
  t += milliseconds(2000);
  EXPECT_EQ(ladder.update(8000, t), (Quality{10, 100}));
  // 0.04 bpp at 15 fps full size is 1244 kbit/s; with the 1.3 margin it takes 1618.
  t += milliseconds(2000);
  EXPECT_EQ(ladder.update(1400, t), (Quality{10, 100})) << "not enough margin for 15 fps";
  t += milliseconds(2000);
  EXPECT_EQ(ladder.update(1700, t), (Quality{15, 100}));
  t += milliseconds(2000);
  EXPECT_EQ(ladder.update(300, t), (Quality{10, 50})) << "down goes straight to the right rung";
}

TEST(QualityLadder, ResetStartsFromTheTop) {
  QualityLadder ladder({1920, 1080, 30});
  ladder.update(300, steady_clock::time_point{});
  ladder.reset({1280, 720, 60});
  EXPECT_EQ(ladder.current(), (Quality{60, 100}));
}

}  // namespace
}  // namespace ds::congestion
