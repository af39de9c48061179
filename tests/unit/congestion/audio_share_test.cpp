#include "congestion/audio_share.hpp"

#include <gtest/gtest.h>

namespace ds::congestion {
namespace {

TEST(AudioShare, ConfiguredWithoutCongestionControlOrWithRoom) {
  EXPECT_EQ(audioBitrateFor(128000, std::nullopt), 128000);
  EXPECT_EQ(audioBitrateFor(128000, 8000), 128000);
  EXPECT_EQ(audioBitrateFor(128000, 512), 128000);  // a quarter of 512 kbit/s is 128 kbit/s
}

TEST(AudioShare, AQuarterOfTheLowestVideoTargetOnFixedSteps) {
  EXPECT_EQ(audioBitrateFor(128000, 500), 96000);  // cap 125 kbit/s
  EXPECT_EQ(audioBitrateFor(128000, 300), 64000);  // cap 75
  EXPECT_EQ(audioBitrateFor(128000, 250), 48000);  // cap 62.5
  EXPECT_EQ(audioBitrateFor(128000, 150), 32000);  // cap 37.5
  // Small moves of the target inside a step change nothing (no encoder reconfiguration).
  EXPECT_EQ(audioBitrateFor(128000, 260), audioBitrateFor(128000, 280));
}

TEST(AudioShare, NeverUnder24kOrAboveTheConfiguredBitrate) {
  EXPECT_EQ(audioBitrateFor(128000, 100), 24000);
  EXPECT_EQ(audioBitrateFor(128000, 1), 24000);
  EXPECT_EQ(audioBitrateFor(16000, 100), 16000);  // a user who asked for less keeps it
  EXPECT_EQ(audioBitrateFor(40000, 300), 40000);  // cap 75 kbit/s is above the configured 40
  EXPECT_EQ(audioBitrateFor(40000, 150), 32000);
}

TEST(AudioShare, StepsUpOnlyWithRoomToSpare) {
  // At 48 kbit/s, a target of 260 kbit/s (cap 65) would allow 64 but not by 25 %: it stays.
  EXPECT_EQ(audioBitrateFor(128000, 260, 48000), 48000);
  EXPECT_EQ(audioBitrateFor(128000, 320, 48000), 64000);   // cap 80 = 64 * 1.25
  EXPECT_EQ(audioBitrateFor(128000, 700, 64000), 128000);  // cap 175: back to the configured
  EXPECT_EQ(audioBitrateFor(128000, 560, 64000), 96000);   // cap 140: 128 not by 25 %
  EXPECT_EQ(audioBitrateFor(128000, 150, 64000), 32000);   // down at once
  EXPECT_EQ(audioBitrateFor(128000, std::nullopt, 24000), 128000);  // no viewer: configured
}

}  // namespace
}  // namespace ds::congestion
