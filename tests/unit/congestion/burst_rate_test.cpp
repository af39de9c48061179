// The path's rate from the frames' packet trains, against a simulated bottleneck: a FIFO at a
// fixed rate after a token bucket (as tbf makes one), a path with no bottleneck, a sender that
// paces its packets, loss, reordering and the two-second window.
#include "congestion/burst_rate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ds::congestion {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kOffsetNs = 987'654 * kMs;  // the browser's clock is elsewhere
constexpr uint32_t kPacket = 1200;

// A link of `kbps` with a FIFO queue behind a token bucket of `bucket` bytes (refilled at the
// rate; packets that find tokens pass at once).
struct Link {
  double kbps = 3000;
  double bucket = 0;
  double tokens = 0;
  int64_t free_at_ns = 0;
  int64_t refilled_ns = 0;

  PacketTiming send(int64_t at_ns, uint32_t bytes = kPacket) {
    tokens = std::min(bucket, tokens + (static_cast<double>(at_ns - refilled_ns) * kbps / 8e6));
    refilled_ns = at_ns;
    int64_t arrive = 0;
    if (tokens >= bytes && free_at_ns <= at_ns) {
      tokens -= bytes;
      arrive = at_ns;
    } else {
      free_at_ns = std::max(free_at_ns, at_ns) + static_cast<int64_t>(bytes * 8 / kbps * 1e6);
      arrive = free_at_ns;
    }
    PacketTiming t{at_ns, arrive + 2 * kMs + kOffsetNs};
    t.bytes = bytes;
    return t;
  }
};

// A frame of `packets` sent back to back (0.05 ms apart) at `at_ns`.
std::vector<PacketTiming> frame(Link& link, int64_t at_ns, int packets) {
  std::vector<PacketTiming> out;
  for (int i = 0; i < packets; ++i) out.push_back(link.send(at_ns + i * kMs / 20));
  return out;
}

// `n` frames at 30 fps from `from_ns`, fed as they go; returns the time after the last.
int64_t frames(BurstRate& r, Link& link, int64_t from_ns, int n, int packets) {
  for (int i = 0; i < n; ++i) r.onPackets(frame(link, from_ns + i * 33 * kMs, packets));
  return from_ns + n * 33 * kMs;
}

TEST(BurstRate, FramesSpacedByABottleneckGiveItsRate) {
  BurstRate r;
  Link link;
  EXPECT_FALSE(r.kbps().has_value());
  frames(r, link, 0, 3, 8);
  EXPECT_FALSE(r.kbps().has_value()) << "a burst is measured when the next one starts";
  frames(r, link, 100 * kMs, 5, 8);
  ASSERT_TRUE(r.kbps().has_value());
  EXPECT_NEAR(*r.kbps(), 3000, 30);
}

TEST(BurstRate, ATokenBucketsBurstIsLeftOutByTheSecondHalf) {
  BurstRate r;
  Link link{3000, 4500, 4500};  // tbf's burst: 10 ms at the rate, at least 3 packets
  // Frames of 12 packets every 33 ms: the bucket refills 12 kB, capped at 4.5 kB, so each frame's
  // first 3 packets pass at once.
  frames(r, link, 0, 10, 12);
  ASSERT_TRUE(r.kbps().has_value());
  EXPECT_NEAR(*r.kbps(), 3000, 60);
}

TEST(BurstRate, NoBottleneckIsNoCeiling) {
  BurstRate r;
  Link link{1e7};  // 10 Gbit/s: a frame's packets arrive as they were sent, or at once
  frames(r, link, 0, 10, 20);
  ASSERT_TRUE(r.kbps().has_value());
  EXPECT_TRUE(std::isinf(*r.kbps())) << *r.kbps();
}

TEST(BurstRate, PacketsPacedByTheSenderSayNothingOfThePath) {
  BurstRate r;
  Link link{100000};
  // Sent 0.8 ms apart (a busy sender thread): they arrive as far apart as they left. Read as a
  // rate that would be 12 Mbit/s, a bound the path does not have.
  for (int f = 0; f < 10; ++f) {
    std::vector<PacketTiming> burst;
    for (int i = 0; i < 10; ++i) burst.push_back(link.send(f * 33 * kMs + i * 8 * kMs / 10));
    r.onPackets(burst);
  }
  ASSERT_TRUE(r.kbps().has_value());
  EXPECT_TRUE(std::isinf(*r.kbps()));
}

TEST(BurstRate, SmallFramesAndLostPacketsMakeNoSample) {
  BurstRate r;
  Link link;
  frames(r, link, 0, 20, 5);  // 5 packets: under kMinPackets
  EXPECT_FALSE(r.kbps().has_value());
  for (int f = 0; f < 20; ++f) {
    auto burst = frame(link, 1000 * kMs + f * 33 * kMs, 10);
    burst[7].arrived_ns.reset();  // lost: the spacing around it says nothing
    r.onPackets(burst);
  }
  EXPECT_FALSE(r.kbps().has_value());
  // A packet of unknown size is as good as lost.
  for (int f = 0; f < 20; ++f) {
    auto burst = frame(link, 2000 * kMs + f * 33 * kMs, 10);
    burst[8].bytes = 0;
    r.onPackets(burst);
  }
  EXPECT_FALSE(r.kbps().has_value());
}

TEST(BurstRate, ReorderedArrivalsSpanTheirEarliestToTheirLatest) {
  BurstRate r;
  Link link;
  for (int f = 0; f < 6; ++f) {
    auto burst = frame(link, f * 33 * kMs, 10);
    std::swap(burst[6].arrived_ns, burst[9].arrived_ns);  // the last two of its half swapped
    r.onPackets(burst);
  }
  ASSERT_TRUE(r.kbps().has_value());
  EXPECT_NEAR(*r.kbps(), 3000, 30);
}

TEST(BurstRate, TheHighestOfTwoSecondsSoALiftShowsAtOnceAndACapAfterTwoSeconds) {
  BurstRate r;
  Link slow;
  int64_t t = frames(r, slow, 0, 30, 10);
  ASSERT_NEAR(*r.kbps(), 3000, 30);
  // The cap is lifted: the next frames arrive unspaced.
  Link fast{1e7};
  t = frames(r, fast, t, 2, 10);
  EXPECT_TRUE(std::isinf(*r.kbps()));
  // A cap again (1.5 Mbit/s): the unbounded samples leave the window after 2 s of frames.
  Link capped{1500};
  capped.free_at_ns = t;
  t = frames(r, capped, t, 30, 10);
  EXPECT_TRUE(std::isinf(*r.kbps())) << "one second on";
  frames(r, capped, t, 40, 10);
  EXPECT_NEAR(*r.kbps(), 1500, 20);
}

TEST(BurstRate, ACapsSamplesLeaveTheWindowWhenTheFramesAreTooSmallToMeasure) {
  BurstRate r;
  Link capped{1500};
  int64_t t = frames(r, capped, 0, 30, 10);
  ASSERT_NEAR(*r.kbps(), 1500, 20);
  // The cap is lifted, and the frames are small (or each has a loss): no burst is measured, but
  // time goes on. Two seconds later the cap's samples say nothing of the path.
  Link fast{1e7};
  t = frames(r, fast, t, 30, 4);
  EXPECT_NEAR(*r.kbps(), 1500, 20) << "one second on";
  frames(r, fast, t, 40, 4);
  EXPECT_FALSE(r.kbps().has_value());
}

TEST(BurstRate, OtherTrafficInBetweenReadsLowButTheHighestSampleDoesNot) {
  BurstRate r;
  Link link;
  // Every other frame shares the bottleneck with another flow's packets between its own.
  for (int f = 0; f < 20; ++f) {
    const int64_t at = f * 33 * kMs;
    std::vector<PacketTiming> burst;
    for (int i = 0; i < 10; ++i) {
      burst.push_back(link.send(at + i * kMs / 20));
      if (f % 2 == 1) (void)link.send(at + i * kMs / 20);  // not ours: not in the feedback
    }
    r.onPackets(burst);
  }
  ASSERT_TRUE(r.kbps().has_value());
  EXPECT_NEAR(*r.kbps(), 3000, 30);
}

TEST(BurstRate, ABurstsMemoryIsBounded) {
  BurstRate r;
  Link link{1e7};
  std::vector<PacketTiming> huge;
  for (int i = 0; i < 100000; ++i) huge.push_back(link.send(i * 1000));  // 1 us apart
  r.onPackets(huge);
  r.onPackets(frame(link, 500 * kMs, 10));
  // One burst of at most kMaxBurst packets was measured (the rest are not kept).
  EXPECT_FALSE(r.kbps().has_value()) << "fewer than kMinSamples bursts so far";
}

}  // namespace
}  // namespace ds::congestion
