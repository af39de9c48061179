// The per-packet queueing delay against a simulated bottleneck link (a FIFO at a fixed rate, as
// tbf makes one): frames sent as bursts, with the browser's clock offset from ours.
#include "congestion/delay_tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace ds::congestion {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kClockOffsetNs = 123'456 * kMs;  // the browser's clock is elsewhere
constexpr int64_t kBaseDelayNs = 2 * kMs;

// A link of `kbps` with a FIFO queue; packets of 1200 bytes.
struct Link {
  double kbps = 3000;
  int64_t free_at_ns = 0;  // when the link has sent what it holds

  PacketTiming send(int64_t at_ns) {
    const auto serialise = static_cast<int64_t>(1200 * 8 / kbps * 1e6);  // ns
    free_at_ns = std::max(free_at_ns, at_ns) + serialise;
    return {at_ns, free_at_ns + kBaseDelayNs + kClockOffsetNs};
  }
};

// One frame of `kbit` sent as a burst (the packets 0.1 ms apart) at `at_ns`.
std::vector<PacketTiming> frame(Link& link, int64_t at_ns, double kbit) {
  std::vector<PacketTiming> out;
  const int packets = std::max(1, static_cast<int>(kbit / 9.6));
  for (int i = 0; i < packets; ++i) out.push_back(link.send(at_ns + i * kMs / 10));
  return out;
}

TEST(DelayTracker, BurstsOnASlowLinkAreNoQueue) {
  // 10 fps at 2.4 Mbit/s on a 3 Mbit/s link: each frame takes 80 ms to cross, then the link
  // idles. A window of rates ending on a frame's last packet reads this as 20-25 % overuse.
  Link link;
  DelayTracker tracker;
  double worst = 0;
  int samples = 0;
  for (int f = 0; f < 100; ++f) {
    if (auto q = tracker.onPackets(frame(link, f * 100 * kMs, 240))) {
      worst = std::max(worst, *q);
      ++samples;
    }
  }
  EXPECT_EQ(samples, 99) << "one value per completed burst";
  EXPECT_LT(worst, 1.0) << "each frame's first packet finds the queue empty";
}

TEST(DelayTracker, ARateOverTheLinkShowsTheQueueGrowing) {
  // 30 fps of 13 packets (3.74 Mbit/s) on a 3 Mbit/s link: the queue grows by a quarter of a
  // second per second.
  Link link;
  DelayTracker tracker;
  std::vector<double> delays;
  for (int f = 0; f < 60; ++f) {
    const int64_t at = f * 100 * kMs / 3;
    if (auto q = tracker.onPackets(frame(link, at, 4000.0 / 30))) delays.push_back(*q);
  }
  ASSERT_GE(delays.size(), 50U);
  EXPECT_GT(delays.back(), 430) << "frame 58 (1.93 s) found about 480 ms of queue";
  EXPECT_LT(delays.back(), 530);
  EXPECT_TRUE(std::is_sorted(delays.begin(), delays.end()));
}

TEST(DelayTracker, FeedbackSplittingABurstChangesNothing) {
  Link link;
  DelayTracker whole;
  DelayTracker split;
  for (int f = 0; f < 20; ++f) {
    auto packets = frame(link, f * 50 * kMs, 200);
    const auto a = whole.onPackets(packets);
    std::vector<PacketTiming> first(packets.begin(), packets.begin() + packets.size() / 2);
    std::vector<PacketTiming> second(packets.begin() + packets.size() / 2, packets.end());
    const auto b1 = split.onPackets(first);
    const auto b2 = split.onPackets(second);
    EXPECT_EQ(a.has_value(), b1.has_value());
    EXPECT_FALSE(b2.has_value()) << "the burst is still open";
    if (a && b1) EXPECT_DOUBLE_EQ(*a, *b1);
  }
}

TEST(DelayTracker, LostPacketsAndLostBurstsAreSkipped) {
  DelayTracker tracker;
  // A burst with every packet lost, then two bursts whose first packets are lost.
  EXPECT_FALSE(tracker.onPackets({{0, std::nullopt}, {kMs / 10, std::nullopt}}).has_value());
  EXPECT_FALSE(tracker.onPackets({{100 * kMs, std::nullopt}, {101 * kMs, 101 * kMs + kBaseDelayNs}})
                   .has_value())
      << "the lost burst gives nothing";
  const auto q = tracker.onPackets({{200 * kMs, std::nullopt}, {201 * kMs, 201 * kMs + 7 * kMs}});
  ASSERT_TRUE(q.has_value());
  EXPECT_DOUBLE_EQ(*q, 0.0) << "the first burst with an arrival is the base";
  const auto q2 = tracker.onPackets({{300 * kMs, 300 * kMs + kBaseDelayNs}});
  ASSERT_TRUE(q2.has_value());
  EXPECT_DOUBLE_EQ(*q2, 5.0) << "the second burst: 7 ms, 5 over the base";
}

TEST(DelayTracker, TheBaseIsTheMinimumOfTheLastTenSeconds) {
  DelayTracker tracker;
  std::optional<double> q;
  // 12 s of bursts at 10 ms one-way delay after one early burst at 2 ms.
  tracker.onPackets({{0, kBaseDelayNs}});
  for (int i = 1; i <= 120; ++i) {
    const int64_t at = i * 100 * kMs;
    q = tracker.onPackets({{at, at + 10 * kMs}});
    if (i == 50) {
      ASSERT_TRUE(q.has_value());
      EXPECT_DOUBLE_EQ(*q, 8.0) << "5 s later the 2 ms burst is still the base";
    }
  }
  ASSERT_TRUE(q.has_value());
  EXPECT_DOUBLE_EQ(*q, 0.0) << "after 10 s the path's new delay is the base";
}

TEST(DelayTracker, AnOutOfOrderPacketStartsNoBurst) {
  DelayTracker tracker;
  tracker.onPackets({{100 * kMs, 100 * kMs + kBaseDelayNs}});
  // A packet sent before the open burst: ignored, the burst stays open.
  EXPECT_FALSE(tracker.onPackets({{50 * kMs, 50 * kMs + kBaseDelayNs}}).has_value());
  const auto q = tracker.onPackets({{200 * kMs, 200 * kMs + kBaseDelayNs + 3 * kMs}});
  ASSERT_TRUE(q.has_value());
  EXPECT_DOUBLE_EQ(*q, 0.0);
}

}  // namespace
}  // namespace ds::congestion
