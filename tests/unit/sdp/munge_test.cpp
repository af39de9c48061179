#include "sdp/munge.hpp"

#include <gtest/gtest.h>

namespace ds::sdp {
namespace {

// Shaped like a webrtcbin 1.22 offer for H.264 with RTX and a data channel.
constexpr const char* kOffer =
    "v=0\r\n"
    "o=- 1 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE video0 application1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 97 98\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:video0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=rtcp-fb:97 nack pli\r\n"
    "a=fmtp:97 packetization-mode=1;profile-level-id=4d0032\r\n"
    "a=rtpmap:98 rtx/90000\r\n"
    "a=fmtp:98 apt=97\r\n"
    "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "a=mid:application1\r\n";

TEST(Munge, H264ParamsRtxAndPlayoutDelay) {
  auto r = mungeOffer(kOffer, {});
  ASSERT_TRUE(r) << r.error().message;
  const std::string& s = r->sdp;
  EXPECT_NE(
      s.find("a=fmtp:97 packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1;"
             "sps-pps-idr-in-keyframe=1\r\n"),
      std::string::npos)
      << s;
  EXPECT_NE(s.find("a=fmtp:98 apt=97;rtx-time=125\r\n"), std::string::npos);
  EXPECT_EQ(r->playout_delay_id, 2);  // 1 is taken by sdes:mid
  EXPECT_NE(s.find("a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"),
            std::string::npos);
  // Not added to the application section.
  EXPECT_EQ(s.find("playout-delay", s.find("m=application")), std::string::npos);
  EXPECT_EQ(extmapId(s, kPlayoutDelayUri), 2);
}

TEST(Munge, FixedPlayoutDelayIdUnlessTaken) {
  OfferOptions o;
  o.playout_delay_id = 6;
  auto r = mungeOffer(kOffer, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->playout_delay_id, 6);
  o.playout_delay_id = 1;  // taken by sdes:mid in kOffer
  r = mungeOffer(kOffer, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->playout_delay_id, 0);
  EXPECT_EQ(r->sdp.find("playout-delay"), std::string::npos);
}

TEST(Munge, ExistingRtxTimeIsReplaced) {
  EXPECT_EQ(setFmtpParam("apt=97;rtx-time=3000", "rtx-time", "125"), "apt=97;rtx-time=125");
}

TEST(Munge, OpusGetsPtime) {
  const std::string offer =
      "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 OPUS/48000/2\r\n"
      "a=fmtp:111 sprop-maxcapturerate=48000;sprop-stereo=1\r\n";
  auto r = mungeOffer(offer, {});
  ASSERT_TRUE(r);
  EXPECT_NE(r->sdp.find("sprop-stereo=1\r\na=ptime:10\r\n"), std::string::npos) << r->sdp;
  EXPECT_EQ(r->playout_delay_id, 1);
  EXPECT_EQ(r->sdp.find("playout-delay"), std::string::npos);  // audio only: not declared
}

// webrtcbin 1.22 writes no a=fmtp for H.264 when its caps carry no profile-level-id or
// packetization-mode (our offer is made before the payloader's first buffer): browsers then
// assume packetization-mode=0 (Chromium answers it), which rtph264pay's FU-A packets break.
TEST(Munge, H264WithoutFmtpGetsOne) {
  const std::string offer =
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97 96\r\na=mid:video0\r\n"
      "a=rtpmap:97 H264/90000\r\na=rtcp-fb:97 nack pli\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n";
  OfferOptions options;
  options.h264_profile_level_id = "4d001f";  // main profile (NVENC, VA)
  auto r = mungeOffer(offer, options);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->sdp.find("a=rtpmap:97 H264/90000\r\n"
                        "a=fmtp:97 profile-level-id=4d001f;packetization-mode=1;"
                        "level-asymmetry-allowed=1;sps-pps-idr-in-keyframe=1\r\n"),
            std::string::npos)
      << r->sdp;
  EXPECT_EQ(r->sdp.find("a=fmtp:96"), std::string::npos) << r->sdp;  // VP8 needs none
}

TEST(Munge, H264PacketizationModeZeroBecomesOne) {
  const std::string offer =
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\na=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=0;profile-level-id=640032\r\n";
  auto r = mungeOffer(offer, {});
  ASSERT_TRUE(r);
  EXPECT_NE(r->sdp.find("a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;"
                        "level-asymmetry-allowed=1;sps-pps-idr-in-keyframe=1\r\n"),
            std::string::npos)
      << r->sdp;
  EXPECT_EQ(r->sdp.find("a=fmtp:102", r->sdp.find("a=fmtp:102") + 1), std::string::npos);
}

TEST(Munge, GarbageIsRejected) {
  EXPECT_FALSE(mungeOffer("", {}));
  EXPECT_FALSE(mungeOffer("hello\r\n", {}));
  EXPECT_EQ(extmapId("garbage", kPlayoutDelayUri), 0);
  EXPECT_EQ(extmapId("v=0\r\nm=video 9 X 96\r\na=extmap:99 " + std::string(kPlayoutDelayUri),
                     kPlayoutDelayUri),
            0);
}

}  // namespace
}  // namespace ds::sdp
