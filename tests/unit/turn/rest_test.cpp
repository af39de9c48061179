// SELKIES_RTC_CONFIG_JSON / TURN REST answers → webrtcbin URIs (pure), and the REST monitor against
// a real in-process libsoup server on loopback: headers, refresh, size bound, failures.
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "turn/rest_monitor.hpp"
#include "turn/rtc_parse.hpp"
#include "unit/soup_loopback.hpp"

namespace ds::turn {
namespace {

TEST(TurnParse, StunAndTurnUrisLikeSelkies) {
  auto p = parseRtcConfig(R"({"lifetimeDuration":"86400s","iceServers":[
      {"urls":["stun:stun.example:3478","stun:other:19302"]},
      {"urls":["turn:turn.example:3478?transport=udp","turns:[::1]:5349?transport=tcp"],
       "username":"1700000000:a/b","credential":"p@ss+w="},
      {"urls":"turn:solo.example","username":"u","credential":"c"}],
      "iceTransportPolicy":"all"})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->uris.stun, "stun://stun.example:3478") << "the first STUN server";
  ASSERT_EQ(p->uris.turn.size(), 3u);
  EXPECT_EQ(p->uris.turn[0],
            "turn://1700000000%3Aa%2Fb:p%40ss%2Bw%3D@turn.example:3478?transport=udp");
  EXPECT_EQ(p->uris.turn[1], "turns://1700000000%3Aa%2Fb:p%40ss%2Bw%3D@[::1]:5349?transport=tcp");
  EXPECT_EQ(p->uris.turn[2], "turn://u:c@solo.example:3478");
  EXPECT_NE(p->json.find("\"iceTransportPolicy\":\"all\""), std::string::npos) << p->json;
  auto relay = parseRtcConfig(R"({"iceServers":[]})", true);
  ASSERT_TRUE(relay);
  EXPECT_NE(relay->json.find("\"iceTransportPolicy\":\"relay\""), std::string::npos);
}

TEST(TurnParse, RejectsWhatIsNotAnRtcConfiguration) {
  EXPECT_FALSE(parseRtcConfig("nope"));
  EXPECT_FALSE(parseRtcConfig("[]"));
  EXPECT_FALSE(parseRtcConfig(R"({"iceServers":{}})"));
  EXPECT_FALSE(parseRtcConfig(R"({"iceServers":[{"urls":["turn:h:1"]}]})")) << "no credentials";
  EXPECT_FALSE(parseRtcConfig(
      R"({"iceServers":[{"urls":["turn:[::1:1"],"username":"u","credential":"c"}]})"));
}

TEST(TurnRest, HeadersAsSelkiesSendsThem) {
  RestSettings s;
  s.username = "selkies-host:1";
  s.protocol = "tcp";
  s.tls = true;
  const auto h = restHeaders(s);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"x-auth-user", "selkies-host-1"}));
  EXPECT_EQ(h[1], (std::pair<std::string, std::string>{"x-turn-protocol", "tcp"}));
  EXPECT_EQ(h[2], (std::pair<std::string, std::string>{"x-turn-tls", "true"}));
  s.uri = "ftp://x/";
  EXPECT_FALSE(RestMonitor::create(s));
  s.uri = "not a url";
  EXPECT_FALSE(RestMonitor::create(s));
}

// A loopback libsoup server whose answer the test sets.
struct Endpoint {
  Endpoint() {
    server = soup_server_new(nullptr, nullptr);
    soup_server_add_handler(server, "/", &handle, this, nullptr);
    loopback = std::make_unique<testing::SoupLoopback>(server);
    url = "http://127.0.0.1:" + std::to_string(loopback->port()) + "/turn?x=1";
  }
  ~Endpoint() {
    loopback.reset();
    g_object_unref(server);
  }

  static void handle(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                     gpointer data) {
    auto* self = static_cast<Endpoint*>(data);
    ++self->requests;
    SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
    for (const char* name : {"x-auth-user", "x-turn-protocol", "x-turn-tls"}) {
      const char* v = soup_message_headers_get_one(h, name);
      self->headers[name] = v != nullptr ? v : "";
    }
    self->path = path;
    if (self->hang) {  // never answers: the client's timeout must end the request
      soup_server_message_pause(msg);
      return;
    }
    soup_server_message_set_status(msg, self->status, nullptr);
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, self->body.data(),
                                     self->body.size());
  }

  SoupServer* server;
  std::unique_ptr<testing::SoupLoopback> loopback;
  std::string url;
  std::string body;
  guint status = 200;
  bool hang = false;
  int requests = 0;
  std::string path;
  std::map<std::string, std::string> headers;
};

std::string config(const std::string& user) {
  return R"({"iceServers":[{"urls":["turn:127.0.0.1:3478"],"username":")" + user +
         R"(","credential":"secret"}]})";
}

bool spin(const std::function<bool()>& done, int ms = 5000) {
  for (int i = 0; i < ms / 5 && !done(); ++i) {
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(5000);
  }
  return done();
}

TEST(TurnRest, FetchesRefreshesAndKeepsTheLastGoodAnswer) {
  Endpoint ep;
  ep.body = config("first");
  RestSettings s;
  s.uri = ep.url;
  s.username = "selkies-test";
  s.period = std::chrono::seconds(1);
  auto monitor = RestMonitor::create(s);
  ASSERT_TRUE(monitor) << monitor.error().message;
  int updates = 0;
  (*monitor)->start([&] { ++updates; });
  ASSERT_TRUE((*monitor)->waitFirst(std::chrono::seconds(5)));
  EXPECT_EQ((*monitor)->current()->uris.turn.at(0), "turn://first:secret@127.0.0.1:3478");
  EXPECT_EQ(ep.headers["x-auth-user"], "selkies-test");
  EXPECT_EQ(ep.headers["x-turn-protocol"], "udp");
  EXPECT_EQ(ep.headers["x-turn-tls"], "false");
  EXPECT_EQ(ep.path, "/turn");
  ep.body = config("second");
  ASSERT_TRUE(spin([&] { return updates >= 2; }));
  EXPECT_EQ((*monitor)->current()->uris.turn.at(0), "turn://second:secret@127.0.0.1:3478");
  // Failures keep the last good configuration.
  ep.status = 500;
  const int before = ep.requests;
  ASSERT_TRUE(spin([&] { return ep.requests >= before + 1; }));
  ep.status = 200;
  ep.body = "not json";
  ASSERT_TRUE(spin([&] { return ep.requests >= before + 2; }));
  spin([] { return false; }, 100);
  EXPECT_EQ((*monitor)->current()->uris.turn.at(0), "turn://second:secret@127.0.0.1:3478");
}

TEST(TurnRest, ResponsesAreBounded) {
  Endpoint ep;
  ep.body = config(std::string(kMaxRestResponseBytes, 'u'));
  RestSettings s;
  s.uri = ep.url;
  auto monitor = RestMonitor::create(s);
  ASSERT_TRUE(monitor);
  (*monitor)->start();
  EXPECT_FALSE((*monitor)->waitFirst(std::chrono::seconds(5)));
  EXPECT_EQ(ep.requests, 1);
  EXPECT_FALSE((*monitor)->current());
}

TEST(TurnRest, AnEndpointThatNeverAnswersTimesOut) {
  Endpoint ep;
  ep.hang = true;
  RestSettings s;
  s.uri = ep.url;
  s.timeout = std::chrono::seconds(1);
  auto monitor = RestMonitor::create(s);
  ASSERT_TRUE(monitor);
  const auto start = std::chrono::steady_clock::now();
  (*monitor)->start();
  EXPECT_FALSE((*monitor)->waitFirst(std::chrono::seconds(20)));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ep.requests, 1);
  EXPECT_LT(took, std::chrono::seconds(10)) << "ended by the 1 s timeout, not by waitFirst's limit";
}

}  // namespace
}  // namespace ds::turn
