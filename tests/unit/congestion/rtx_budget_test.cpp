#include "congestion/rtx_budget.hpp"

#include <gtest/gtest.h>

namespace ds::congestion {
namespace {

TEST(RtxBudget, AllowsABurstAtOnceThenOnlyWhatTheMediaEarns) {
  RtxBudget budget({.share = 0.25, .burst_bytes = 12000, .first_packet_bytes = 1200});
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += budget.allow() ? 1 : 0;
  EXPECT_EQ(allowed, 10);  // 12000 bytes of 1200-byte packets
  EXPECT_EQ(budget.refused(), 40u);
  // Four media packets earn one retransmission of their size.
  for (int i = 0; i < 4; ++i) budget.onMediaPacket(1200);
  EXPECT_TRUE(budget.allow());
  EXPECT_FALSE(budget.allow());
}

TEST(RtxBudget, RandomLossIsAlwaysRepaired) {
  // 2 % loss: one request per 50 media packets is far inside a quarter of the media.
  RtxBudget budget;
  for (int i = 0; i < 10000; ++i) {
    budget.onMediaPacket(1100);
    if (i % 50 == 0) EXPECT_TRUE(budget.allow()) << "request " << i / 50;
  }
  EXPECT_EQ(budget.refused(), 0u);
}

TEST(RtxBudget, AStormIsHeldToTheShareOfTheMedia) {
  // A full path: the browser asks for 20 packets for each one sent (the measured storm).
  RtxBudget budget({.share = 0.25, .burst_bytes = 32 * 1024, .first_packet_bytes = 1200});
  double media = 0;
  for (int i = 0; i < 2000; ++i) {
    budget.onMediaPacket(1000);
    media += 1000;
    for (int r = 0; r < 20; ++r) budget.allow();
  }
  const double retransmitted = static_cast<double>(budget.allowed()) * 1000;
  EXPECT_LE(retransmitted, 0.25 * media + 32 * 1024 + 1200);
  EXPECT_GE(retransmitted, 0.2 * media);  // it still repairs what the share pays for
}

TEST(RtxBudget, ChargesTheAveragePacketSize) {
  RtxBudget budget({.share = 1.0, .burst_bytes = 10000, .first_packet_bytes = 1200});
  for (int i = 0; i < 200; ++i) budget.onMediaPacket(100);  // small packets (audio-sized)
  int allowed = 0;
  while (budget.allow()) ++allowed;
  EXPECT_GE(allowed, 90);  // ~10000 / 100: small packets cost little
  EXPECT_LE(allowed, 110);
}

TEST(RtxBudget, TheBurstCapsWhatASilentPeriodSaves) {
  RtxBudget budget({.share = 0.5, .burst_bytes = 6000, .first_packet_bytes = 1000});
  for (int i = 0; i < 10000; ++i) budget.onMediaPacket(1000);
  EXPECT_LE(budget.tokens(), 6000.0);
  int allowed = 0;
  while (budget.allow()) ++allowed;
  EXPECT_EQ(allowed, 6);
}

}  // namespace
}  // namespace ds::congestion
