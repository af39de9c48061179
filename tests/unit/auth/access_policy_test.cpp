// Pure access policies (docs/security.md, "Access"): live role changes, exchanged tickets,
// public URL / Origin / cookie scope / ticket redirect, trusted proxies, Basic-auth throttling,
// safe defaults and start-up warnings.
#include <gtest/gtest.h>

#include "auth/failure_throttle.hpp"
#include "auth/refresh.hpp"
#include "auth/session_store.hpp"
#include "auth/startup_policy.hpp"
#include "auth/trusted_proxies.hpp"
#include "auth/web_origin.hpp"

namespace ds::auth {
namespace {

using std::chrono::seconds;

TEST(AccessPolicy, ViewTokenDemotesAtOnceControlNeverPromotesALiveConnection) {
  EXPECT_EQ(liveRole(Role::kControl, Role::kView), Role::kView);
  EXPECT_EQ(liveRole(Role::kControl, Role::kControl), Role::kControl);
  EXPECT_EQ(liveRole(Role::kView, Role::kControl), Role::kView);
  EXPECT_EQ(liveRole(Role::kView, Role::kView), Role::kView);
}

TEST(AccessPolicy, ExchangedTicketIsRememberedUntilItsExpiry) {
  ReplayCache cache;
  const auto now = std::chrono::system_clock::time_point(seconds(1000));
  EXPECT_FALSE(cache.wasUsed("j1", now));
  ASSERT_TRUE(cache.firstUse("j1", now + seconds(60), now));
  EXPECT_TRUE(cache.wasUsed("j1", now));
  EXPECT_TRUE(cache.wasUsed("j1", now + seconds(59)));
  EXPECT_FALSE(cache.wasUsed("j1", now + seconds(60)));  // expired tokens fail anyway
  EXPECT_FALSE(cache.wasUsed("", now));
  EXPECT_FALSE(cache.wasUsed("j2", now));
}

TEST(AccessPolicy, PublicUrl) {
  auto u = parsePublicUrl("HTTPS://Desk.Example/s/s-123");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "desk.example");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/s/s-123/");
  EXPECT_EQ(u->origin(), "https://desk.example");
  u = parsePublicUrl("http://[::1]:8080");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->origin(), "http://[::1]:8080");
  EXPECT_EQ(u->path, "/");
  for (const char* bad :
       {"desk.example/s/1/", "ftp://desk.example/", "https://user@desk/", "https://desk/?a=1",
        "https://desk/#x", "https:///x", "https://desk:0/", "https://desk:99999/",
        "https://desk/s;x/", "https://desk//evil/", "https://desk/a/../b/"}) {
    EXPECT_FALSE(parsePublicUrl(bad)) << bad;
  }
}

TEST(AccessPolicy, OriginMustNameSchemeHostAndPort) {
  const ExpectedOrigin pub{"https", "desk.example:443"};
  EXPECT_TRUE(originMatches("https://desk.example", pub));
  EXPECT_TRUE(originMatches("https://DESK.example:443", pub));
  EXPECT_FALSE(originMatches("http://desk.example", pub));
  EXPECT_FALSE(originMatches("https://desk.example:8443", pub));
  EXPECT_FALSE(originMatches("https://desk.example.evil", pub));
  EXPECT_FALSE(originMatches("https://evil.example", pub));
  EXPECT_FALSE(originMatches("null", pub));
  EXPECT_FALSE(originMatches("", pub));
  // No public URL, scheme unknown: the Host header's host and port, either scheme.
  const ExpectedOrigin host{"", "127.0.0.1:8080"};
  EXPECT_TRUE(originMatches("http://127.0.0.1:8080", host));
  EXPECT_TRUE(originMatches("https://127.0.0.1:8080", host));
  EXPECT_FALSE(originMatches("http://127.0.0.1:8081", host));
  EXPECT_FALSE(originMatches("http://localhost:8080", host));
  EXPECT_TRUE(originMatches("https://desk.example", ExpectedOrigin{"", "desk.example"}));
  EXPECT_TRUE(originMatches("http://desk.example", ExpectedOrigin{"", "desk.example"}));
  EXPECT_FALSE(originMatches("https://desk.example", ExpectedOrigin{"http", "desk.example"}));
  EXPECT_FALSE(originMatches("http://desk.example", ExpectedOrigin{"", ""}));
}

TEST(AccessPolicy, CookiePathIsTheSessionsOwnPrefix) {
  EXPECT_EQ(cookiePath(std::string("/s/a/"), std::string("/x/"), "/"), "/s/a/");
  EXPECT_EQ(cookiePath(std::nullopt, std::string("/s/b"), "/"), "/s/b/");
  EXPECT_EQ(cookiePath(std::nullopt, std::nullopt, "/s/c/index.html"), "/s/c/");
  EXPECT_EQ(cookiePath(std::nullopt, std::nullopt, "/"), "/");
  // Junk in a forwarded prefix or the request path never widens or breaks the attribute.
  EXPECT_EQ(cookiePath(std::nullopt, std::string("/a; Domain=evil"), "/s/d/"), "/s/d/");
  EXPECT_EQ(cookiePath(std::nullopt, std::string("//evil/"), "/s/d/"), "/s/d/");
  EXPECT_EQ(cookiePath(std::nullopt, std::nullopt, "/a;b/x"), "/");
}

TEST(AccessPolicy, TicketRedirectStaysOnTheOrigin) {
  EXPECT_EQ(ticketRedirect("/"), "./");
  EXPECT_EQ(ticketRedirect("/s/abc/"), "./");
  EXPECT_EQ(ticketRedirect("/s/abc/index.html"), "./index.html");
  EXPECT_EQ(ticketRedirect("//evil.example"), "./evil.example");
  EXPECT_EQ(ticketRedirect("/\\evil.example"), "./");
  EXPECT_EQ(ticketRedirect("/http:"), "./");
  EXPECT_EQ(ticketRedirect("/.."), "./");
  EXPECT_EQ(ticketRedirect("/a\r\nSet-Cookie: x"), "./");
  for (const char* p : {"//evil.example/", "/\\evil.example", "/https://evil.example/x"}) {
    const std::string r = ticketRedirect(p);
    EXPECT_EQ(r.rfind("./", 0), 0u) << p;
    EXPECT_EQ(r.find('\\'), std::string::npos) << p;
    EXPECT_EQ(r.find(':'), std::string::npos) << p;
  }
}

TEST(AccessPolicy, TrustedProxies) {
  auto t = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7,fd00::/8");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->contains("10.1.2.3"));
  EXPECT_TRUE(t->contains("::ffff:10.1.2.3"));
  EXPECT_TRUE(t->contains("192.168.1.7"));
  EXPECT_FALSE(t->contains("192.168.1.8"));
  EXPECT_TRUE(t->contains("fd12::1"));
  EXPECT_FALSE(t->contains("fe80::1"));
  EXPECT_FALSE(t->contains("11.0.0.1"));
  EXPECT_FALSE(t->contains("not an address"));
  EXPECT_TRUE(TrustedProxies::parse("")->empty());
  EXPECT_FALSE(TrustedProxies::parse("10.0.0.0/33"));
  EXPECT_FALSE(TrustedProxies::parse("example.com"));
  EXPECT_FALSE(TrustedProxies::parse("::/129"));
  // Forwarded headers count only from a trusted peer.
  EXPECT_EQ(clientAddress("10.0.0.5", std::string("1.1.1.1, 2.2.2.2"), *t), "2.2.2.2");
  EXPECT_EQ(clientAddress("8.8.8.8", std::string("2.2.2.2"), *t), "8.8.8.8");
  EXPECT_EQ(clientAddress("10.0.0.5", std::string("junk"), *t), "10.0.0.5");
  EXPECT_TRUE(forwardedHttps("10.0.0.5", std::string("https"), *t));
  EXPECT_TRUE(forwardedHttps("10.0.0.5", std::string("HTTPS, http"), *t));
  EXPECT_FALSE(forwardedHttps("8.8.8.8", std::string("https"), *t));
  EXPECT_FALSE(forwardedHttps("10.0.0.5", std::string("http"), *t));
  EXPECT_FALSE(forwardedHttps("10.0.0.5", std::nullopt, *t));
}

TEST(AccessPolicy, BasicFailuresAreThrottledPerClient) {
  FailureThrottle::Limits limits;
  limits.max_failures = 5;
  limits.window = seconds(60);
  limits.max_clients = 3;
  FailureThrottle t(limits);
  auto now = FailureThrottle::Clock::time_point(seconds(1000));
  for (int i = 0; i < 4; ++i) {
    t.recordFailure("a", now);
    EXPECT_EQ(t.blockedFor("a", now), 0) << i;
  }
  t.recordFailure("a", now);
  EXPECT_EQ(t.blockedFor("a", now), 60);
  EXPECT_EQ(t.blockedFor("b", now), 0);  // per address
  EXPECT_EQ(t.blockedFor("a", now + seconds(59)), 1);
  EXPECT_EQ(t.blockedFor("a", now + seconds(60)), 0);  // the lockout ends
  t.recordFailure("a", now + seconds(61));             // and counting starts over
  EXPECT_EQ(t.blockedFor("a", now + seconds(61)), 0);
  // Failures spread wider than the window never add up to a lockout.
  for (int i = 0; i < 10; ++i) t.recordFailure("slow", now + seconds(61 * i));
  EXPECT_EQ(t.blockedFor("slow", now + seconds(61 * 9)), 0);
  // A success clears the address.
  for (int i = 0; i < 5; ++i) t.recordFailure("c", now);
  t.recordSuccess("c");
  EXPECT_EQ(t.blockedFor("c", now), 0);
  // The table is bounded: many addresses never hold more than max_clients entries.
  for (int i = 0; i < 1000; ++i) t.recordFailure("x" + std::to_string(i), now);
  EXPECT_LE(t.size(), 3u);
}

TEST(AccessPolicy, BasicAuthNextToJwtOnlyWhenExplicit) {
  EXPECT_TRUE(basicAuthEnabled(false, true, false));  // Selkies' default without JWT
  EXPECT_FALSE(basicAuthEnabled(false, false, true));
  EXPECT_FALSE(basicAuthEnabled(true, true, false));  // JWT: the default no longer applies
  EXPECT_TRUE(basicAuthEnabled(true, true, true));    // explicitly kept
  EXPECT_FALSE(basicAuthEnabled(true, false, true));
}

TEST(AccessPolicy, StartupWarnings) {
  EXPECT_TRUE(isLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(isLoopbackAddress("127.3.2.1"));
  EXPECT_TRUE(isLoopbackAddress("::1"));
  EXPECT_TRUE(isLoopbackAddress("[::1]"));
  EXPECT_TRUE(isLoopbackAddress("localhost"));
  EXPECT_FALSE(isLoopbackAddress("0.0.0.0"));
  EXPECT_FALSE(isLoopbackAddress("::"));
  EXPECT_FALSE(isLoopbackAddress("10.0.0.1"));
  EXPECT_FALSE(isLoopbackAddress("127.0.0.1.evil"));
  auto w = startupWarnings({"127.0.0.1", true, "mypasswd", false});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("default password"), std::string::npos);
  EXPECT_TRUE(startupWarnings({"0.0.0.0", true, "s3cret", false}).empty());
  w = startupWarnings({"0.0.0.0", false, "mypasswd", false});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("no authentication"), std::string::npos);
  EXPECT_TRUE(startupWarnings({"127.0.0.1", false, "mypasswd", false}).empty());
  EXPECT_TRUE(startupWarnings({"0.0.0.0", false, "", true}).empty());
}

}  // namespace
}  // namespace ds::auth
