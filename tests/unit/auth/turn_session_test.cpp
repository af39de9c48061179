#include <gtest/gtest.h>

#include "auth/refresh.hpp"
#include "auth/session_store.hpp"

namespace ds::auth {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

Principal principal(int64_t exp) {
  return {"alice", Role::kView, system_clock::time_point(seconds(exp)), "j"};
}

TEST(AuthSessionStore, CreateLookupExpire) {
  SessionStore store;
  const auto far = std::chrono::duration_cast<seconds>(
                       (system_clock::now() + std::chrono::hours(1)).time_since_epoch())
                       .count();
  const std::string id = store.create(principal(far));
  EXPECT_EQ(id.size(), 43u);
  EXPECT_NE(store.create(principal(far)), id);
  const auto now = system_clock::now();
  auto p = store.lookup(id, now);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->subject, "alice");
  EXPECT_FALSE(store.lookup("nope", now));
  EXPECT_FALSE(store.lookup(id, system_clock::time_point(seconds(far))));  // expired...
  EXPECT_FALSE(store.lookup(id, now));                                     // ...and erased
  store.remove(store.create(principal(far)));
  EXPECT_EQ(store.size(), 1u);
}

TEST(AuthSessionStore, IsBounded) {
  SessionStore store(3);
  const auto base = std::chrono::duration_cast<seconds>(
                        (system_clock::now() + std::chrono::hours(1)).time_since_epoch())
                        .count();
  const std::string soonest = store.create(principal(base + 1));
  const std::string a = store.create(principal(base + 50));
  const std::string b = store.create(principal(base + 60));
  const std::string c = store.create(principal(base + 70));
  EXPECT_EQ(store.size(), 3u);
  const auto now = system_clock::now();
  EXPECT_FALSE(store.lookup(soonest, now));
  EXPECT_TRUE(store.lookup(a, now));
  EXPECT_TRUE(store.lookup(b, now));
  EXPECT_TRUE(store.lookup(c, now));
}

TEST(AuthReplayCache, TokenIdsAreSingleUse) {
  ReplayCache cache(2);
  const auto now = system_clock::time_point(seconds(100));
  EXPECT_TRUE(cache.firstUse("a", now + seconds(60), now));
  EXPECT_FALSE(cache.firstUse("a", now + seconds(60), now));
  EXPECT_FALSE(cache.firstUse("", now + seconds(60), now));
  EXPECT_TRUE(cache.firstUse("b", now + seconds(10), now));
  EXPECT_FALSE(cache.firstUse("c", now + seconds(60), now));               // full: fail closed
  EXPECT_TRUE(cache.firstUse("c", now + seconds(60), now + seconds(20)));  // b expired
}

}  // namespace
}  // namespace ds::auth

namespace ds::auth {
namespace {

TEST(AuthRefresh, PlanAndAccept) {
  const auto now = system_clock::time_point(seconds(1000));
  const Principal p{"alice", Role::kControl, now + seconds(300), "j1"};
  const auto plan = planExpiry(p, now);
  EXPECT_EQ(plan.warn_at, now + seconds(240));
  EXPECT_EQ(plan.disconnect_at, now + seconds(330));
  const auto late = planExpiry(p, now + seconds(280), {seconds(60), seconds(10)});
  EXPECT_EQ(late.warn_at, now + seconds(280));  // never in the past
  EXPECT_EQ(late.disconnect_at, now + seconds(310));

  Principal fresh{"alice", Role::kView, now + seconds(900), "j2"};
  auto r = acceptRefresh(p, fresh);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->role, Role::kView);
  fresh.subject = "mallory";
  EXPECT_EQ(acceptRefresh(p, fresh).error().message, "jwt refresh: token is for another subject");
  fresh.subject = "alice";
  fresh.expires_at = p.expires_at;
  EXPECT_FALSE(acceptRefresh(p, fresh));
}

}  // namespace
}  // namespace ds::auth
