#include "wsmedia/send_policy.hpp"

#include <gtest/gtest.h>

namespace ds::wsmedia {
namespace {

using namespace std::chrono_literals;
const SendPolicy::Clock::time_point t0{};

// Admits and "sends" a video frame; returns its sequence number, or -1 when dropped.
int64_t video(SendPolicy& p, bool key) {
  if (!p.admitVideo(key)) return -1;
  const uint32_t seq = p.nextSeq();
  p.sent(true, 1000);
  return seq;
}

TEST(SendPolicy, ANewClientStartsOnAKeyframeAndAsksForOneOnce) {
  SendPolicy p;
  EXPECT_TRUE(p.waitingForKeyframe());
  EXPECT_TRUE(p.takeKeyframeRequest(t0));
  EXPECT_FALSE(p.takeKeyframeRequest(t0 + 10ms));  // already asked
  EXPECT_EQ(video(p, false), -1);                  // a delta before the first keyframe
  EXPECT_EQ(video(p, true), 0);
  EXPECT_FALSE(p.waitingForKeyframe());
  EXPECT_EQ(video(p, false), 1);
  EXPECT_FALSE(p.takeKeyframeRequest(t0 + 2s));
}

TEST(SendPolicy, NeverMoreThanTheLimitInFlightThenSkipsToTheNextKeyframe) {
  SendPolicy p(SendLimits{2, 8192, 1000ms});
  ASSERT_EQ(video(p, true), 0);
  ASSERT_EQ(video(p, false), 1);
  EXPECT_EQ(p.videoInFlight(), 2u);
  // The client is behind: the next frames are skipped, and no keyframe is asked for while it
  // has no room to receive one.
  EXPECT_EQ(video(p, false), -1);
  EXPECT_EQ(video(p, false), -1);
  EXPECT_TRUE(p.waitingForKeyframe());
  EXPECT_FALSE(p.takeKeyframeRequest(t0));
  // It catches up: a keyframe is asked for, deltas are still skipped, the keyframe goes.
  ASSERT_TRUE(p.onAck(1));
  EXPECT_EQ(p.videoInFlight(), 0u);
  EXPECT_TRUE(p.takeKeyframeRequest(t0));
  EXPECT_EQ(video(p, false), -1);
  EXPECT_EQ(video(p, true), 2);
  EXPECT_FALSE(p.waitingForKeyframe());
  EXPECT_EQ(p.videoSent(), 3u);
  EXPECT_EQ(p.videoDropped(), 3u);
}

TEST(SendPolicy, AKeyframeDroppedWhileBehindIsAskedForAgain) {
  SendPolicy p(SendLimits{1, 8192, 1000ms});
  ASSERT_EQ(video(p, true), 0);
  EXPECT_EQ(video(p, false), -1);  // behind
  ASSERT_TRUE(p.onAck(0));
  EXPECT_TRUE(p.takeKeyframeRequest(t0));
  ASSERT_EQ(video(p, true), 1);    // the requested keyframe goes (seq 1)
  EXPECT_EQ(video(p, false), -1);  // behind again
  EXPECT_EQ(video(p, true), -1);   // a keyframe lost to the limit
  ASSERT_TRUE(p.onAck(1));
  EXPECT_TRUE(p.takeKeyframeRequest(t0 + 1ms));  // at once, not after the retry time
}

TEST(SendPolicy, AsksAgainWhenTheKeyframeDoesNotCome) {
  SendPolicy p;
  EXPECT_TRUE(p.takeKeyframeRequest(t0));
  EXPECT_FALSE(p.takeKeyframeRequest(t0 + 999ms));
  EXPECT_TRUE(p.takeKeyframeRequest(t0 + 1000ms));
}

TEST(SendPolicy, AudioHasItsOwnByteBudget) {
  SendPolicy p(SendLimits{2, 1000, 1000ms});
  ASSERT_TRUE(p.admitAudio(600));
  p.sent(false, 600);
  EXPECT_FALSE(p.admitAudio(600));  // would exceed 1000 bytes in flight
  EXPECT_EQ(p.audioDropped(), 1u);
  ASSERT_TRUE(p.admitAudio(400));
  p.sent(false, 400);
  // Video is not held back by audio, nor audio by video.
  EXPECT_EQ(video(p, true), 2);
  EXPECT_EQ(video(p, false), 3);
  EXPECT_FALSE(p.admitAudio(1));
  ASSERT_TRUE(p.onAck(0));
  EXPECT_EQ(p.audioBytesInFlight(), 400u);
  EXPECT_TRUE(p.admitAudio(600));
  ASSERT_TRUE(p.onAck(3));
  EXPECT_EQ(p.audioBytesInFlight(), 0u);
  EXPECT_EQ(p.videoInFlight(), 0u);
}

TEST(SendPolicy, RefusesAnAckForAFrameNotSentAndIgnoresOldAcks) {
  SendPolicy p;
  EXPECT_FALSE(p.onAck(0));  // nothing sent yet
  ASSERT_EQ(video(p, true), 0);
  ASSERT_EQ(video(p, false), 1);
  EXPECT_FALSE(p.onAck(2));
  EXPECT_EQ(p.videoInFlight(), 2u);  // unchanged
  ASSERT_TRUE(p.onAck(0));
  EXPECT_EQ(p.videoInFlight(), 1u);
  ASSERT_TRUE(p.onAck(0));  // repeated
  EXPECT_EQ(p.videoInFlight(), 1u);
  ASSERT_TRUE(p.onAck(1));
  EXPECT_EQ(p.videoInFlight(), 0u);
}

TEST(SendPolicy, SequenceNumbersWrap) {
  SendPolicy p(SendLimits{3, 8192, 1000ms}, 0xfffffffe);
  ASSERT_EQ(video(p, true), 0xfffffffe);
  ASSERT_EQ(video(p, false), 0xffffffff);
  ASSERT_EQ(video(p, false), 0);
  EXPECT_EQ(p.videoInFlight(), 3u);
  EXPECT_FALSE(p.onAck(1));  // not sent yet, across the wrap
  ASSERT_TRUE(p.onAck(0xffffffff));
  EXPECT_EQ(p.videoInFlight(), 1u);
  ASSERT_TRUE(p.onAck(0));
  EXPECT_EQ(p.videoInFlight(), 0u);
  ASSERT_TRUE(p.onAck(0xfffffffe));  // an old ack after the wrap is harmless
  EXPECT_EQ(p.videoInFlight(), 0u);
}

TEST(SendPolicy, TheRoundTripsFramesDoNotCountAsQueued) {
  SendPolicy p(SendLimits{2, 8192, 1000ms, 6});
  ASSERT_EQ(video(p, true), 0);
  ASSERT_EQ(video(p, false), 1);
  EXPECT_EQ(video(p, false), -1) << "two in flight: behind";
  ASSERT_TRUE(p.onAck(1));
  // A 100 ms round trip at 30 fps holds 3 frames on an idle path.
  p.setRoundTripFrames(3);
  EXPECT_EQ(p.videoLimit(), 5u);
  ASSERT_TRUE(p.takeKeyframeRequest(t0));
  ASSERT_EQ(video(p, true), 2);  // (the skipped frame got no sequence number)
  for (int i = 0; i < 4; ++i) EXPECT_GE(video(p, false), 0) << i;
  EXPECT_EQ(p.videoInFlight(), 5u);
  EXPECT_EQ(video(p, false), -1) << "five in flight: behind";
  // Bounded, whatever the client's ACK timing claims.
  p.setRoundTripFrames(1000);
  EXPECT_EQ(p.videoLimit(), 8u);
}

}  // namespace
}  // namespace ds::wsmedia
