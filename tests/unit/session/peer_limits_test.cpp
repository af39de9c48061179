#include "session/peer_limits.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ds::session {
namespace {

TEST(PeerLimits, CapsEachUserAndTheProcess) {
  PeerLimits limits(PeerCaps{5, 3});
  std::vector<PeerSlot> alice;
  for (int i = 0; i < 3; ++i) {
    auto slot = limits.acquire("alice");
    ASSERT_TRUE(slot) << slot.error().message;
    alice.push_back(std::move(*slot));
  }
  auto refused = limits.acquire("alice");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("DESKSTREAM_MAX_PEERS_PER_USER"), std::string::npos);
  EXPECT_EQ(refused.error().message.find("alice"), std::string::npos) << "never names the user";
  EXPECT_EQ(limits.of("alice"), 3);

  // Other users still get in, up to the process cap.
  auto bob1 = limits.acquire("bob");
  auto bob2 = limits.acquire("bob");
  ASSERT_TRUE(bob1);
  ASSERT_TRUE(bob2);
  EXPECT_EQ(limits.total(), 5);
  auto carol = limits.acquire("carol");
  ASSERT_FALSE(carol);
  EXPECT_NE(carol.error().message.find("DESKSTREAM_MAX_PEERS)"), std::string::npos);
  EXPECT_EQ(limits.refused(), 2u);
  EXPECT_EQ(limits.of("carol"), 0);
}

TEST(PeerLimits, SlotsComeBackWhenReleasedMovedOrReset) {
  PeerLimits limits(PeerCaps{2, 2});
  {
    auto a = limits.acquire("alice");
    ASSERT_TRUE(a);
    PeerSlot moved = std::move(*a);
    EXPECT_TRUE(moved.held());
    EXPECT_EQ(limits.total(), 1);
    PeerSlot again;
    again = std::move(moved);
    EXPECT_FALSE(moved.held());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_EQ(limits.total(), 1) << "a move neither takes nor gives a slot";
  }
  EXPECT_EQ(limits.total(), 0);
  EXPECT_EQ(limits.users(), 0u) << "no entry left behind";

  // Hundreds of connect/close cycles leak nothing.
  for (int i = 0; i < 500; ++i) {
    auto a = limits.acquire("mallory");
    auto b = limits.acquire("mallory");
    auto c = limits.acquire("mallory");
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    ASSERT_FALSE(c);
    a->reset();
    a->reset();  // idempotent
    EXPECT_EQ(limits.of("mallory"), 1);
  }
  EXPECT_EQ(limits.total(), 0);
  EXPECT_EQ(limits.refused(), 500u);
}

TEST(PeerLimits, ACapOfOneAdmitsOne) {
  PeerLimits limits(PeerCaps{1, 1});
  auto a = limits.acquire("");
  ASSERT_TRUE(a);
  EXPECT_FALSE(limits.acquire(""));
  EXPECT_FALSE(limits.acquire("x"));
}

}  // namespace
}  // namespace ds::session
