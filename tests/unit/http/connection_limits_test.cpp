#include "http/connection_limits.hpp"

#include <gtest/gtest.h>

namespace ds::http {
namespace {

TEST(ConnectionLimits, PerAddressLimitLeavesOtherAddressesIn) {
  ConnectionLimits limits(10, 2);
  EXPECT_EQ(limits.admit("10.0.0.1"), Admission::kAdmitted);
  EXPECT_EQ(limits.admit("10.0.0.1"), Admission::kAdmitted);
  EXPECT_EQ(limits.admit("10.0.0.1"), Admission::kAddressFull);
  EXPECT_EQ(limits.admit("10.0.0.2"), Admission::kAdmitted);
  EXPECT_EQ(limits.open(), 3);
  EXPECT_EQ(limits.openFrom("10.0.0.1"), 2);
  limits.release("10.0.0.1");
  EXPECT_EQ(limits.admit("10.0.0.1"), Admission::kAdmitted);
}

TEST(ConnectionLimits, TotalLimitRefusesEveryone) {
  ConnectionLimits limits(3, 0);  // 0: no per-address limit
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limits.admit("a"), Admission::kAdmitted);
  EXPECT_EQ(limits.admit("b"), Admission::kTotalFull);
  EXPECT_EQ(limits.open(), 3);
  limits.release("a");
  EXPECT_EQ(limits.admit("b"), Admission::kAdmitted);
}

TEST(ConnectionLimits, RefusedAndExtraReleasesDoNotCount) {
  ConnectionLimits limits(1, 1);
  EXPECT_EQ(limits.admit("a"), Admission::kAdmitted);
  EXPECT_EQ(limits.admit("a"), Admission::kTotalFull);
  limits.release("a");
  limits.release("a");
  limits.release("never-seen");
  EXPECT_EQ(limits.open(), 0);
  EXPECT_EQ(limits.openFrom("a"), 0);
  EXPECT_EQ(limits.admit("a"), Admission::kAdmitted);
  EXPECT_EQ(limits.open(), 1);
}

}  // namespace
}  // namespace ds::http
