#include "media/encoder_failover.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "media/encoder_probe.hpp"

namespace ds::media {
namespace {

using namespace std::chrono_literals;
using Clock = EncoderFailover::Clock;

// The real startup probe (GStreamer, this machine's plugins), recording what it was asked.
struct Machine {
  std::vector<std::string> probed;
  EncoderFailover::Probe probe() {
    return [this](const std::string& e) -> Status {
      probed.push_back(e);
      EncodeParams p;
      p.framerate = 30;
      return probeEncoder(e, p);
    };
  }
};

TEST(EncoderFailover, EncoderErrorMovesAlongTheChainAtOnce) {
  Machine m;
  EncodeParams p;
  if (probeEncoder("nvh264enc", p) || probeEncoder("vah264enc", p)) {
    GTEST_SKIP() << "this machine has NVENC or VA-API; the fallback past them cannot be shown";
  }
  EncoderFailover f("nvh264enc", m.probe());
  const auto t = Clock::now();
  f.started(t);
  auto d = f.failed(/*from_encoder=*/true, t + 60s);
  EXPECT_TRUE(d.switched);
  EXPECT_EQ(d.encoder, "x264enc");
  EXPECT_EQ(f.encoder(), "x264enc");
  EXPECT_EQ(m.probed, (std::vector<std::string>{"vah264enc", "x264enc"}));
  EXPECT_NE(d.why.find("vah264enc unavailable"), std::string::npos) << d.why;
}

TEST(EncoderFailover, OtherErrorsRestartTheSameEncoder) {
  Machine m;
  EncoderFailover f("openh264enc", m.probe());
  auto t = Clock::now();
  f.started(t);
  EXPECT_FALSE(f.failed(false, t += 60s).switched);
  f.started(t += 1s);
  EXPECT_FALSE(f.failed(false, t += 60s).switched)
      << "far apart: a capture hiccup, not the encoder";
  EXPECT_TRUE(m.probed.empty());
}

TEST(EncoderFailover, FailingTwiceSoonAfterStartSwitches) {
  Machine m;
  EncoderFailover f("openh264enc", m.probe());
  auto t = Clock::now();
  f.started(t);
  EXPECT_FALSE(f.failed(false, t += 1s).switched);
  f.started(t += 1s);
  auto d = f.failed(false, t += 1s);
  EXPECT_TRUE(d.switched) << d.why;
  EXPECT_EQ(d.encoder, "x264enc");
}

TEST(EncoderFailover, LastEncoderKeepsRestarting) {
  Machine m;
  EncoderFailover f("x264enc", m.probe());
  const auto t = Clock::now();
  f.started(t);
  auto d = f.failed(true, t + 1s);
  EXPECT_FALSE(d.switched);
  EXPECT_EQ(d.encoder, "x264enc");
  EXPECT_NE(d.why.find("no other encoder"), std::string::npos);
}

TEST(EncoderFailover, LastEncoderFailingTwiceSoonAfterStartGivesUpForACoolDown) {
  Machine m;
  EncoderFailover f("x264enc", m.probe(), 10s, 30s);
  auto t = Clock::now();
  f.started(t);
  auto first = f.failed(/*from_encoder=*/true, t += 1s);
  EXPECT_FALSE(first.gave_up) << "one failure may be transient: " << first.why;
  EXPECT_FALSE(f.blockedFor(t));
  f.started(t += 1s);
  auto second = f.failed(true, t += 2s);
  EXPECT_TRUE(second.gave_up) << second.why;
  EXPECT_FALSE(second.switched);
  EXPECT_NE(second.why.find("no other encoder works here"), std::string::npos) << second.why;
  ASSERT_TRUE(f.blockedFor(t + 1s));
  EXPECT_LE(*f.blockedFor(t + 1s), 29s);
  EXPECT_FALSE(f.blockedFor(t + 31s)) << "one new attempt after the cool-down";
  // That attempt fails at once again: straight back to waiting, no loop of rebuilds.
  f.started(t += 31s);
  EXPECT_TRUE(f.failed(true, t += 1s).gave_up);
  EXPECT_TRUE(f.blockedFor(t + 1s));
}

TEST(EncoderFailover, FailuresFarApartNeverGiveUp) {
  Machine m;
  EncoderFailover f("x264enc", m.probe(), 10s, 30s);
  auto t = Clock::now();
  for (int i = 0; i < 5; ++i) {
    f.started(t);
    auto d = f.failed(true, t += 60s);
    EXPECT_FALSE(d.gave_up) << d.why;
    EXPECT_FALSE(f.blockedFor(t));
  }
}

TEST(EncoderFailover, SecondEncoderFailingToo) {
  // openh264enc fails twice early (switch to x264enc), then x264enc fails twice early: a clear
  // give-up, not a restart loop.
  Machine m;
  EncoderFailover f("openh264enc", m.probe(), 10s, 30s);
  auto t = Clock::now();
  f.started(t);
  EXPECT_FALSE(f.failed(false, t += 1s).switched);
  f.started(t += 1s);
  auto sw = f.failed(false, t += 1s);
  ASSERT_TRUE(sw.switched) << sw.why;
  ASSERT_EQ(sw.encoder, "x264enc");
  f.started(t += 1s);
  EXPECT_FALSE(f.failed(false, t += 1s).gave_up);
  f.started(t += 1s);
  auto last = f.failed(false, t += 1s);
  EXPECT_TRUE(last.gave_up) << last.why;
  EXPECT_EQ(f.encoder(), "x264enc");
  EXPECT_TRUE(f.blockedFor(t));
}

}  // namespace
}  // namespace ds::media
