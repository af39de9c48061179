#include "turn/rtc_config.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ds::turn {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(Turn, RestCredentialsKnownVector) {
  // Expected value computed independently with Python:
  // base64(hmac.new(b'openrelayprojectsecret', b'1700000000:alice', sha1).digest())
  const auto c = restCredentials("openrelayprojectsecret", "alice",
                                 system_clock::time_point(seconds(1700000000)));
  EXPECT_EQ(c.username, "1700000000:alice");
  EXPECT_EQ(c.password, "xgxjdbEWMK2bm5me+HTGNKuAyic=");
  EXPECT_EQ(restCredentials("s", "a:b", system_clock::time_point(seconds(1))).username, "1:a-b");
  // Second vector, computed with: echo -n "1700000000:alice" |
  //   openssl dgst -sha1 -hmac "deskstream-test-secret" -binary | base64
  EXPECT_EQ(restCredentials("deskstream-test-secret", "alice",
                            system_clock::time_point(seconds(1700000000)))
                .password,
            "8h/GlhbEXJkM14Y8LMFz7+bjTWc=");
}

TEST(Turn, EachSessionHasItsOwnUserName) {
  EXPECT_EQ(restUser("", "alice"), "alice");
  EXPECT_EQ(restUser("s-1", "alice"), "s-1/alice");
  EXPECT_EQ(restUser("ns:pod/1", "a:b"), "ns-pod-1/a:b");  // ':' in the user: restCredentials
  IceSettings a;
  a.turn_host = "turn.example";
  a.turn_shared_secret = "secret";
  IceSettings b = a;
  a.identity = "s-1";
  b.identity = "s-2";
  const auto now = system_clock::time_point(seconds(1000));
  const auto ja = nlohmann::json::parse(*buildRtcConfig(a, "alice", now, std::nullopt));
  const auto jb = nlohmann::json::parse(*buildRtcConfig(b, "alice", now, std::nullopt));
  EXPECT_EQ(ja["iceServers"][0]["username"], "87400:s-1/alice");
  EXPECT_EQ(jb["iceServers"][0]["username"], "87400:s-2/alice");
  EXPECT_NE(ja["iceServers"][0]["credential"], jb["iceServers"][0]["credential"]);
  a.credential_lifetime = seconds(3600);
  const auto short_lived = nlohmann::json::parse(*buildRtcConfig(a, "alice", now, std::nullopt));
  EXPECT_EQ(short_lived["lifetimeDuration"], "3600s");
  EXPECT_EQ(short_lived["iceServers"][0]["username"], "4600:s-1/alice");
  const auto uris = serverUris(a, "deskstream", now);
  ASSERT_EQ(uris.turn.size(), 1u);
  EXPECT_NE(uris.turn[0].find("4600%3As-1%2Fdeskstream"), std::string::npos) << uris.turn[0];
}

TEST(Turn, SelkiesShape) {
  IceSettings s;
  s.stun_host = "stun.example";
  s.turn_host = "turn.example";
  s.turn_shared_secret = "secret";
  const auto now = system_clock::time_point(seconds(1000));
  auto r = buildRtcConfig(s, "bob", now, std::nullopt);
  ASSERT_TRUE(r);
  const auto j = nlohmann::json::parse(*r);
  EXPECT_EQ(j["lifetimeDuration"], "86400s");
  EXPECT_EQ(j["blockStatus"], "NOT_BLOCKED");
  EXPECT_EQ(j["iceTransportPolicy"], "all");
  ASSERT_EQ(j["iceServers"].size(), 2u);
  EXPECT_EQ(j["iceServers"][0]["urls"][0], "stun:stun.example:19302");
  EXPECT_EQ(j["iceServers"][1]["urls"][0], "turn:turn.example:443?transport=udp");
  EXPECT_EQ(j["iceServers"][1]["username"], "87400:bob");
}

TEST(Turn, LongTermWinsAndRelayPolicy) {
  IceSettings s;
  s.turn_host = "t";
  s.turn_tls = true;
  s.turn_protocol = "tcp";
  s.turn_username = "u";
  s.turn_password = "p@ss";
  s.turn_shared_secret = "ignored";
  s.force_relay = true;
  const auto j = nlohmann::json::parse(*buildRtcConfig(s, "x", system_clock::now(), std::nullopt));
  EXPECT_EQ(j["iceServers"][0]["urls"][0], "turns:t:443?transport=tcp");
  EXPECT_EQ(j["iceServers"][0]["username"], "u");
  EXPECT_EQ(j["iceTransportPolicy"], "relay");
  const auto uris = serverUris(s, "x", system_clock::now());
  ASSERT_EQ(uris.turn.size(), 1u);
  EXPECT_EQ(uris.turn[0], "turns://u:p%40ss@t:443?transport=tcp");
  EXPECT_TRUE(uris.stun.empty());
}

TEST(Turn, OverrideFileIsValidated) {
  IceSettings s;
  EXPECT_TRUE(buildRtcConfig(s, "", system_clock::now(), std::string(R"({"iceServers":[]})")));
  EXPECT_FALSE(buildRtcConfig(s, "", system_clock::now(), std::string("{nope")));
  EXPECT_FALSE(buildRtcConfig(s, "", system_clock::now(), std::string("[]")));
}

}  // namespace
}  // namespace ds::turn
