// An answer that declines the video (a browser without an H.265 decoder answers
// an x265enc offer so) is recognised before webrtcbin, which aborts the process on it.
#include "sdp/answer.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ds::sdp {
namespace {

constexpr const char* kOffer =
    "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE video0 application1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 100 101\r\na=mid:video0\r\na=rtpmap:101 rtx/90000\r\n"
    "a=rtpmap:100 H265/90000\r\na=fmtp:101 apt=100\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:application1\r\n";

TEST(Answer, DeclinedSections) {
  EXPECT_EQ(declinedSections("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                             "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"),
            "");
  // Chromium's answer to an H.265-only offer when it has no H.265 decoder.
  EXPECT_EQ(declinedSections("v=0\r\nm=video 0 UDP/TLS/RTP/SAVPF 0\r\n"
                             "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"),
            "video");
  EXPECT_EQ(declinedSections("m=audio 0/2 RTP/AVP 0\nm=video 0 RTP/AVP 0\n"), "audio, video");
  EXPECT_EQ(declinedSections(""), "");
  EXPECT_EQ(declinedSections("m=\r\nm=video\r\nm=video 10 RTP/AVP 96\r\n"), "");
}

TEST(Answer, OfferedVideoCodec) {
  EXPECT_EQ(offeredVideoCodec(kOffer), "H265");
  EXPECT_EQ(offeredVideoCodec("m=audio 9 RTP/AVP 96\r\na=rtpmap:96 OPUS/48000/2\r\n"), "");
  EXPECT_EQ(offeredVideoCodec("m=video 9 RTP/AVP 97\r\na=rtpmap:96 VP8/90000\r\n"), "");
  EXPECT_EQ(offeredVideoCodec("m=video 9 RTP/AVP 96\na=rtpmap:96 VP8/90000\n"), "VP8");
}

// Codec per viewer: real answers of the test machine's browsers to real deskstream offers
// (tests/unit/sdp/data, captured by data/capture.mjs). The offers list H264, VP8, VP9 in that
// order, except firefox_h264only (DESKSTREAM_EXTRA_ENCODERS empty: H.264 only).
std::string data(const std::string& name) {
  std::ifstream in(std::string(DS_SDP_DATA) + "/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Captured {
  std::string offer, answer;
};
Captured captured(const std::string& name) {
  Captured c{data(name + ".offer.sdp"), data(name + ".answer.sdp")};
  EXPECT_FALSE(c.offer.empty()) << name;
  EXPECT_FALSE(c.answer.empty()) << name;
  return c;
}

TEST(RealAnswers, ChromiumAcceptsH264) {
  const auto c = captured("chromium_default");
  EXPECT_EQ(declinedSections(c.answer), "");
  EXPECT_EQ(chosenCodec(c.offer, c.answer), "H264");
  // Our offer's H.264 fmtp, and what Chromium agreed to.
  EXPECT_NE(c.offer.find("packetization-mode=1"), std::string::npos);
  EXPECT_NE(c.answer.find("packetization-mode=1"), std::string::npos);
  EXPECT_EQ(c.answer.find("packetization-mode=0"), std::string::npos);
}

TEST(RealAnswers, ChromiumPreferringVp8GetsVp8) {
  const auto c = captured("chromium_vp8");
  EXPECT_EQ(declinedSections(c.answer), "");
  EXPECT_EQ(chosenCodec(c.offer, c.answer), "VP8");
}

TEST(RealAnswers, FirefoxWithoutOpenH264DeclinesH264AndGetsVp8) {
  const auto c = captured("firefox_default");
  EXPECT_EQ(declinedSections(c.answer), "");
  EXPECT_EQ(c.answer.find("H264"), std::string::npos) << "this Firefox has no H.264";
  EXPECT_EQ(chosenCodec(c.offer, c.answer), "VP8");
}

TEST(RealAnswers, FirefoxDeclinesAnH264OnlyOffer) {
  const auto c = captured("firefox_h264only");
  EXPECT_EQ(declinedSections(c.answer), "video");
  EXPECT_EQ(chosenCodec(c.offer, c.answer), "");
}

TEST(Answer, ChosenCodecFollowsOurOrderAndSkipsRtx) {
  const std::string offer =
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97 96 98 99\r\na=rtpmap:97 H264/90000\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtpmap:98 VP9/90000\r\na=rtpmap:99 rtx/90000\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
  // The answer lists VP9 first: we still send our first accepted (VP8).
  EXPECT_EQ(chosenCodec(offer,
                        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 98 96\r\n"
                        "a=rtpmap:98 VP9/90000\r\na=rtpmap:96 VP8/90000\r\n"),
            "VP8");
  EXPECT_EQ(
      chosenCodec(offer, "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 99\r\na=rtpmap:99 rtx/90000\r\n"), "");
  // A payload type reused for another codec is not ours.
  EXPECT_EQ(
      chosenCodec(offer, "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97\r\na=rtpmap:97 VP8/90000\r\n"), "");
  EXPECT_EQ(chosenCodec(offer, "garbage"), "");
  EXPECT_EQ(chosenCodec("", "v=0\r\nm=video 9 X 97\r\n"), "");
}

}  // namespace
}  // namespace ds::sdp
