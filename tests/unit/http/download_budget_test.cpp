#include "http/download_budget.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ds::http {
namespace {

using std::chrono::seconds;
constexpr std::size_t kMiB = 1024 * 1024;

TEST(SelfTestBytes, DefaultBoundsAndBadValues) {
  EXPECT_EQ(*selfTestBytes(std::nullopt), kDefaultSelfTestBytes);
  EXPECT_EQ(*selfTestBytes("1"), 1u);
  EXPECT_EQ(*selfTestBytes("8388608"), kMaxSelfTestBytes);
  for (const char* bad :
       {"", "0", "8388609", "-1", "1e6", "12abc", " 5", "99999999999999999999999"}) {
    auto r = selfTestBytes(std::string_view(bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("1 to 8388608"), std::string::npos);
  }
}

TEST(SelfTestBytes, IncompressibleBodyHasTheSizeAsked) {
  const auto body = incompressibleBytes(4099);
  EXPECT_EQ(body.size(), 4099u);
  std::set<char> distinct(body.begin(), body.end());
  EXPECT_GT(distinct.size(), 200u);  // not a run of one byte
}

TEST(DownloadBudget, PerClientWindow) {
  DownloadBudget budget({.per_client_bytes = 10 * kMiB,
                         .total_bytes = 100 * kMiB,
                         .window = seconds(60),
                         .max_clients = 16});
  const auto t0 = DownloadBudget::Clock::time_point{} + seconds(1000);
  EXPECT_EQ(budget.take("a", 8 * kMiB, t0), 0);
  const int wait = budget.take("a", 4 * kMiB, t0 + seconds(20));
  EXPECT_EQ(wait, 40);                                         // until a's window ends
  EXPECT_EQ(budget.take("a", 2 * kMiB, t0 + seconds(20)), 0);  // what is left still fits
  EXPECT_EQ(budget.take("b", 8 * kMiB, t0 + seconds(20)), 0);  // another client has its own
  EXPECT_GT(budget.take("a", 1, t0 + seconds(59)), 0);
  EXPECT_EQ(budget.take("a", 8 * kMiB, t0 + seconds(60)), 0);  // a new window
}

TEST(DownloadBudget, TotalAcrossClients) {
  DownloadBudget budget({.per_client_bytes = 8 * kMiB,
                         .total_bytes = 20 * kMiB,
                         .window = seconds(10),
                         .max_clients = 16});
  const auto t0 = DownloadBudget::Clock::time_point{} + seconds(1000);
  EXPECT_EQ(budget.take("a", 8 * kMiB, t0), 0);
  EXPECT_EQ(budget.take("b", 8 * kMiB, t0), 0);
  EXPECT_EQ(budget.take("c", 8 * kMiB, t0 + seconds(3)),
            7);  // over the total: refused, not charged
  EXPECT_EQ(budget.take("c", 4 * kMiB, t0 + seconds(3)), 0);
  EXPECT_EQ(budget.take("d", 8 * kMiB, t0 + seconds(10)), 0);
}

TEST(DownloadBudget, ClientTableIsBounded) {
  DownloadBudget budget({.per_client_bytes = kMiB,
                         .total_bytes = 1000 * kMiB,
                         .window = seconds(60),
                         .max_clients = 3});
  auto t = DownloadBudget::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(budget.take("client" + std::to_string(i), kMiB, t), 0);
    t += std::chrono::milliseconds(10);
    EXPECT_LE(budget.trackedClients(), 3u);
  }
  EXPECT_GT(budget.take("client49", 1, t), 0);  // the newest are still remembered
}

}  // namespace
}  // namespace ds::http
