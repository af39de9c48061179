// Which viewers get the lower encode (pure): far below the fastest one for long enough, back when
// near it for long enough, never the fastest, never a viewer that cannot be moved.
#include "congestion/tier_split.hpp"

#include <gtest/gtest.h>

namespace ds::congestion {
namespace {

using std::chrono::milliseconds;
using Time = std::chrono::steady_clock::time_point;

TEST(TierSplit, AFarSlowerViewerMovesDownAfterAWhileAndBackWhenItCatchesUp) {
  TierSplit split;  // 0.5 / 0.8, 2 s / 5 s
  Time t{};
  std::vector<TierViewer> v{{1, 8000, true}, {2, 1200, true}};
  EXPECT_TRUE(split.update(v, t).empty()) << "not at once";
  EXPECT_TRUE(split.update(v, t + milliseconds(1900)).empty());
  EXPECT_EQ(split.update(v, t + milliseconds(2000)), std::set<int>{2});
  t += milliseconds(2000);
  // Recovering, but not yet near the fastest.
  v[1].target_kbps = 6000;
  EXPECT_EQ(split.update(v, t + milliseconds(6000)), std::set<int>{2});
  v[1].target_kbps = 6400;  // 0.8 of 8000
  EXPECT_EQ(split.update(v, t + milliseconds(7000)), std::set<int>{2});
  EXPECT_EQ(split.update(v, t + milliseconds(11900)), std::set<int>{2});
  EXPECT_TRUE(split.update(v, t + milliseconds(12000)).empty());
}

TEST(TierSplit, ADipShorterThanTheWaitMovesNobody) {
  TierSplit split;
  Time t{};
  std::vector<TierViewer> v{{1, 8000, true}, {2, 1000, true}};
  split.update(v, t);
  v[1].target_kbps = 5000;  // back above the line before 2 s
  split.update(v, t + milliseconds(1500));
  v[1].target_kbps = 1000;
  EXPECT_TRUE(split.update(v, t + milliseconds(3000)).empty()) << "the wait starts again";
  EXPECT_TRUE(split.update(v, t + milliseconds(4900)).empty());
  EXPECT_EQ(split.update(v, t + milliseconds(5000)), std::set<int>{2});
}

TEST(TierSplit, TheFastestStaysAndUnmovableViewersStay) {
  TierSplit split;
  Time t{};
  // Alone, or everyone equally slow: nobody moves.
  std::vector<TierViewer> one{{1, 500, true}};
  split.update(one, t);
  EXPECT_TRUE(split.update(one, t + milliseconds(10000)).empty());
  std::vector<TierViewer> v{{1, 8000, true}, {2, 1000, false}, {3, 1000, true}};
  split.update(v, t);
  EXPECT_EQ(split.update(v, t + milliseconds(2000)), std::set<int>{3}) << "2 cannot be moved";
  // A moved viewer that can no longer be moved (its branch changed) returns at once.
  v[2].movable = false;
  EXPECT_TRUE(split.update(v, t + milliseconds(2100)).empty());
}

TEST(TierSplit, WhenTheFastViewerLeavesTheSlowOneReturns) {
  TierSplit split;
  Time t{};
  std::vector<TierViewer> v{{1, 8000, true}, {2, 1000, true}};
  split.update(v, t);
  ASSERT_EQ(split.update(v, t + milliseconds(2000)), std::set<int>{2});
  std::vector<TierViewer> left{{2, 1000, true}};
  EXPECT_TRUE(split.update(left, t + milliseconds(2100)).empty())
      << "the shared encode follows it again; no second encode for one viewer";
  EXPECT_TRUE(split.update({}, t + milliseconds(2200)).empty());
}

// What bench_network_twoviewers_smoke caught in CI: a startup dip moved the first viewer down;
// then the other viewer's path was capped, the shared encode followed it down, and the moved
// viewer sat on a "lower" encode far above the shared one for the 5 s join wait, while the capped
// viewer could not move (it was the fastest left on the shared encode).
TEST(TierSplit, AMovedViewerFasterThanTheSharedEncodeReturnsAtOnceAndTheSlowOneMoves) {
  TierSplit split;
  Time t{};
  std::vector<TierViewer> v{{1, 3500, true}, {2, 8000, true}};
  split.update(v, t);
  ASSERT_EQ(split.update(v, t + milliseconds(2000)), std::set<int>{1}) << "the dip";
  v[0].target_kbps = 5000;  // it climbs back, still under the other
  EXPECT_EQ(split.update(v, t + milliseconds(2500)), std::set<int>{1});
  v[1].target_kbps = 900;  // the other's path is capped
  EXPECT_TRUE(split.update(v, t + milliseconds(3000)).empty())
      << "faster than everyone on the shared encode: back at once, not after 5 s";
  EXPECT_TRUE(split.update(v, t + milliseconds(4900)).empty()) << "the capped one waits 2 s";
  EXPECT_EQ(split.update(v, t + milliseconds(5000)), std::set<int>{2});
  // Just under the shared encode is not past it: the join line and its wait apply.
  v[1].target_kbps = 7900;
  v[0].target_kbps = 8000;
  EXPECT_EQ(split.update(v, t + milliseconds(5100)), std::set<int>{2});
  EXPECT_EQ(split.update(v, t + milliseconds(10000)), std::set<int>{2});
  EXPECT_TRUE(split.update(v, t + milliseconds(10100)).empty()) << "after the 5 s join wait";
}

}  // namespace
}  // namespace ds::congestion
