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
  EXPECT_EQ(ja["iceServers"][1]["username"], "87400:s-1/alice");
  EXPECT_EQ(jb["iceServers"][1]["username"], "87400:s-2/alice");
  EXPECT_NE(ja["iceServers"][1]["credential"], jb["iceServers"][1]["credential"]);
  a.credential_lifetime = seconds(3600);
  const auto short_lived = nlohmann::json::parse(*buildRtcConfig(a, "alice", now, std::nullopt));
  EXPECT_EQ(short_lived["lifetimeDuration"], "3600s");
  EXPECT_EQ(short_lived["iceServers"][1]["username"], "4600:s-1/alice");
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
  EXPECT_EQ(j["iceServers"][0]["urls"],
            nlohmann::json::array({"stun:stun.example:19302", "stun:turn.example:443",
                                   "stun:stun.l.google.com:19302"}));
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
  // No STUN host: only the TURN server's STUN (deliberate: no public server).
  EXPECT_EQ(j["iceServers"][0]["urls"], nlohmann::json::array({"stun:t:443"}));
  EXPECT_EQ(j["iceServers"][1]["urls"][0], "turns:t:443?transport=tcp");
  EXPECT_EQ(j["iceServers"][1]["username"], "u");
  EXPECT_EQ(j["iceTransportPolicy"], "relay");
  const auto uris = serverUris(s, "x", system_clock::now());
  ASSERT_EQ(uris.turn.size(), 1u);
  EXPECT_EQ(uris.turn[0], "turns://u:p%40ss@t:443?transport=tcp");
  EXPECT_EQ(uris.stun, "stun://t:443");
}

// Selkies 1.6.2's STUN list in long-term and shared-secret modes (generate_rtc_config and
// make_turn_rtc_config_json_legacy build it the same way), case by case.
TEST(Turn, StunListAsSelkies) {
  IceSettings s;
  s.turn_host = "turn.example";
  s.turn_port = 3478;
  s.turn_shared_secret = "secret";
  using V = std::vector<std::string>;
  // Default STUN host (Google's): it first, then the TURN server; Google not repeated.
  s.stun_host = "stun.l.google.com";
  s.stun_port = 19302;
  EXPECT_EQ(stunUrls(s), (V{"stun:stun.l.google.com:19302", "stun:turn.example:3478"}));
  EXPECT_EQ(serverUris(s, "u", system_clock::now()).stun, "stun://stun.l.google.com:19302");
  // Google's host on another port is another server: Google's default is appended.
  s.stun_port = 3478;
  EXPECT_EQ(stunUrls(s), (V{"stun:stun.l.google.com:3478", "stun:turn.example:3478",
                            "stun:stun.l.google.com:19302"}));
  // The STUN host is the TURN server: listed once, then Google's.
  s.stun_host = "turn.example";
  EXPECT_EQ(stunUrls(s), (V{"stun:turn.example:3478", "stun:stun.l.google.com:19302"}));
  EXPECT_EQ(serverUris(s, "u", system_clock::now()).stun, "stun://turn.example:3478");
  // Same host, another port: two entries for it.
  s.stun_port = 19302;
  EXPECT_EQ(stunUrls(s), (V{"stun:turn.example:19302", "stun:turn.example:3478",
                            "stun:stun.l.google.com:19302"}));
  // Long-term credentials: the same list.
  s.turn_username = "u";
  s.turn_password = "p";
  s.turn_shared_secret.clear();
  s.stun_host = "stun.example";
  const auto j = nlohmann::json::parse(*buildRtcConfig(s, "x", system_clock::now(), std::nullopt));
  ASSERT_EQ(j["iceServers"].size(), 2u);
  EXPECT_EQ(j["iceServers"][0]["urls"],
            nlohmann::json::array({"stun:stun.example:19302", "stun:turn.example:3478",
                                   "stun:stun.l.google.com:19302"}));
  EXPECT_FALSE(j["iceServers"][0].contains("username"));
  EXPECT_EQ(j["iceServers"][1]["urls"],
            nlohmann::json::array({"turn:turn.example:3478?transport=udp"}));
  EXPECT_EQ(serverUris(s, "x", system_clock::now()).stun, "stun://stun.example:19302");
  // No TURN server: the STUN host alone, or nothing.
  s.turn_host.clear();
  EXPECT_EQ(stunUrls(s), (V{"stun:stun.example:19302"}));
  const auto no_turn =
      nlohmann::json::parse(*buildRtcConfig(s, "x", system_clock::now(), std::nullopt));
  ASSERT_EQ(no_turn["iceServers"].size(), 1u);
  EXPECT_EQ(no_turn["iceServers"][0]["urls"], nlohmann::json::array({"stun:stun.example:19302"}));
  s.stun_host.clear();
  EXPECT_TRUE(stunUrls(s).empty());
  EXPECT_TRUE(nlohmann::json::parse(
                  *buildRtcConfig(s, "x", system_clock::now(), std::nullopt))["iceServers"]
                  .empty());
  EXPECT_TRUE(serverUris(s, "x", system_clock::now()).stun.empty());
}

TEST(Turn, OverrideFileIsValidated) {
  IceSettings s;
  EXPECT_TRUE(buildRtcConfig(s, "", system_clock::now(), std::string(R"({"iceServers":[]})")));
  EXPECT_FALSE(buildRtcConfig(s, "", system_clock::now(), std::string("{nope")));
  EXPECT_FALSE(buildRtcConfig(s, "", system_clock::now(), std::string("[]")));
}

}  // namespace
}  // namespace ds::turn
