#include "media/frame_gate.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ds::media {
namespace {

using namespace std::chrono_literals;
using Clock = FrameGate::Clock;

FrameGateOptions opts(int settle, std::chrono::milliseconds heartbeat = 1000ms) {
  FrameGateOptions o;
  o.settle_frames = settle;
  o.heartbeat = heartbeat;
  return o;
}

TEST(FrameGate, ChangedFramesAlwaysPass) {
  FrameGate gate(opts(0));
  const auto t0 = Clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(gate.admit(true, t0 + i * 33ms));
  EXPECT_EQ(gate.skipped(), 0u);
  EXPECT_EQ(gate.admitted(), 100u);
}

TEST(FrameGate, SettleFramesThenSkipUntilHeartbeat) {
  FrameGate gate(opts(3, 1000ms));
  auto t = Clock::now();
  EXPECT_TRUE(gate.admit(true, t));
  // Three identical frames refine the change, then the gate closes.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(gate.admit(false, t += 33ms)) << i;
  int passed = 0;
  for (int i = 0; i < 29; ++i) passed += gate.admit(false, t += 33ms) ? 1 : 0;
  EXPECT_EQ(passed, 0);  // 29 * 33 ms = 957 ms since the last pass
  EXPECT_TRUE(gate.admit(false, t += 50ms)) << "heartbeat after 1 s";
  EXPECT_FALSE(gate.admit(false, t += 33ms));
  EXPECT_EQ(gate.skipped(), 30u);
}

TEST(FrameGate, ForcedFramePassesOnceForKeyframes) {
  FrameGate gate(opts(0));
  auto t = Clock::now();
  EXPECT_TRUE(gate.admit(true, t));
  EXPECT_FALSE(gate.admit(false, t += 33ms));
  gate.forceNext();
  EXPECT_TRUE(gate.admit(false, t += 33ms)) << "a new viewer or PLI gets a frame at once";
  EXPECT_FALSE(gate.admit(false, t += 33ms)) << "only once";
}

TEST(FrameGate, FirstFramePassesEvenIfIdenticalToNothing) {
  FrameGate gate(opts(0));
  EXPECT_TRUE(gate.admit(false, Clock::now()));
}

TEST(FrameGate, AChangeReopensTheSettleWindow) {
  FrameGate gate(opts(2));
  auto t = Clock::now();
  gate.admit(true, t);
  gate.admit(false, t += 33ms);
  gate.admit(false, t += 33ms);
  EXPECT_FALSE(gate.admit(false, t += 33ms));
  EXPECT_TRUE(gate.admit(true, t += 33ms));
  EXPECT_TRUE(gate.admit(false, t += 33ms));
  EXPECT_TRUE(gate.admit(false, t += 33ms));
  EXPECT_FALSE(gate.admit(false, t += 33ms));
}

TEST(FrameGate, OptionsScaleWithFramerate) {
  EXPECT_EQ(frameGateOptionsFor(60).settle_frames, 30);
  EXPECT_EQ(frameGateOptionsFor(30).settle_frames, 15);
  EXPECT_EQ(frameGateOptionsFor(1).settle_frames, 2);
  // Below Chromium's frame timeout of 3 x rtx-time (125 ms in our offers).
  EXPECT_LT(frameGateOptionsFor(30).heartbeat.count(), 3 * 125);
}

TEST(SameFrame, ComparesSizeAndBytes) {
  std::vector<uint8_t> a(1280 * 720 * 4, 7), b = a;
  EXPECT_TRUE(sameFrame(a.data(), a.size(), b.data(), b.size()));
  b[b.size() - 1] = 8;  // one changed byte at the very end
  EXPECT_FALSE(sameFrame(a.data(), a.size(), b.data(), b.size()));
  EXPECT_FALSE(sameFrame(a.data(), a.size(), b.data(), b.size() - 4));
  EXPECT_FALSE(sameFrame(a.data(), a.size(), nullptr, 0));
}

}  // namespace
}  // namespace ds::media
