// Issue 14 item 5: an answer that declines the video (a browser without an H.265 decoder answers
// an x265enc offer so) is recognised before webrtcbin, which aborts the process on it.
#include "sdp/answer.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ds::sdp
