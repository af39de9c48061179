#include "signalling/messages.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace ds::signalling {
namespace {

TEST(Messages, HelloWithMeta) {
  const std::string meta = base64Encode(R"({"res":"1920x1080","scale":1.5})");
  auto r = parseClientMessage("HELLO 1 " + meta);
  ASSERT_TRUE(r) << r.error().message;
  const auto& h = std::get<Hello>(*r);
  EXPECT_EQ(h.uid, "1");
  EXPECT_EQ(h.meta.width, 1920);
  EXPECT_EQ(h.meta.height, 1080);
  ASSERT_TRUE(h.meta.scale.has_value());
  EXPECT_DOUBLE_EQ(*h.meta.scale, 1.5);
}

// As Selkies reads it: any non-zero number is a scale (its range is checked where it applies);
// 0, a string or no scale at all is none.
TEST(Messages, HelloMetaScale) {
  auto scaleOf = [](const std::string& json) {
    auto m = parseMeta(base64Encode(json));
    EXPECT_TRUE(m) << json;
    return m ? m->scale : std::optional<double>(-1);
  };
  EXPECT_EQ(scaleOf(R"({"res":"800x600","scale":2})"), 2.0);
  EXPECT_EQ(scaleOf(R"({"res":"800x600","scale":7.5})"), 7.5);
  EXPECT_EQ(scaleOf(R"({"res":"800x600","scale":0})"), std::nullopt);
  EXPECT_EQ(scaleOf(R"({"res":"800x600","scale":"2"})"), std::nullopt);
  EXPECT_EQ(scaleOf(R"({"res":"800x600"})"), std::nullopt);
}

TEST(Messages, HelloWithoutMeta) {
  auto r = parseClientMessage("HELLO 3");
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<Hello>(*r).uid, "3");
}

TEST(Messages, AnswerAndIce) {
  auto a = parseClientMessage(R"({"sdp":{"type":"answer","sdp":"v=0\r\n"}})");
  ASSERT_TRUE(a);
  EXPECT_EQ(std::get<SessionDescription>(*a).type, "answer");
  auto i = parseClientMessage(
      R"({"ice":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"video0","sdpMLineIndex":0,"usernameFragment":"x"}})");
  ASSERT_TRUE(i) << i.error().message;
  EXPECT_EQ(std::get<IceCandidate>(*i).mid, "video0");
}

TEST(Messages, MalformedInputsAreErrorsNotCrashes) {
  for (const std::string& bad : std::vector<std::string>{
           "", "HELLO", "HELLO  ", "HELLO 1 2 3", "HELLO 1 !!notbase64", "{", "[]", "42", "null",
           R"({"sdp":"x"})", R"({"sdp":{"type":1,"sdp":"v=0"}})", R"({"sdp":{"type":"answer"}})",
           R"({"ice":{}})", R"({"ice":{"candidate":"evil"}})",
           R"({"ice":{"candidate":"candidate:1","sdpMLineIndex":-1}})",
           R"({"ice":{"candidate":"candidate:1","sdpMLineIndex":"0"}})", R"({"foo":1})",
           std::string("HELLO \x01\x02"), std::string(70 * 1024, 'a')}) {
    auto r = parseClientMessage(bad);
    EXPECT_FALSE(r) << bad.substr(0, 40);
    if (!r) EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(Messages, EncodeOfferAndIce) {
  auto j = nlohmann::json::parse(encodeOffer("v=0\r\n"));
  EXPECT_EQ(j["sdp"]["type"], "offer");
  auto i = nlohmann::json::parse(encodeIce("candidate:1", 0));
  EXPECT_EQ(i["ice"]["sdpMLineIndex"], 0);
}

}  // namespace
}  // namespace ds::signalling
