#include "media/codec_offer.hpp"

#include <gtest/gtest.h>

namespace ds::media {
namespace {

// The profile of a name the table knows (a failed lookup fails the test).
EncoderProfile profile(const std::string& name, const EncodeParams& p = {}) {
  auto r = profileFor(name, p);
  EXPECT_TRUE(r) << name << ": " << (r ? "" : r.error().message);
  return r ? *r : EncoderProfile{};
}

TEST(CodecOffer, H264CarriesTheFmtpOfWhatIsEncoded) {
  const auto x264 = offerCodec(profile("x264enc", {}), 1234);
  EXPECT_EQ(x264.codec, "H264");
  EXPECT_EQ(x264.payload_type, 97);
  EXPECT_NE(x264.caps.find("encoding-name=H264,payload=97"), std::string::npos) << x264.caps;
  EXPECT_NE(x264.caps.find("packetization-mode=(string)1"), std::string::npos);
  // The level stays out of the caps (the offer's fmtp gets it from the munge): in the caps it
  // would cap x264 at level 3.1, too small for 1080p.
  EXPECT_EQ(x264.caps.find("profile-level-id"), std::string::npos) << x264.caps;
  EXPECT_NE(x264.caps.find("ssrc=(uint)1234"), std::string::npos);
  // NVENC H.264 encodes main profile: the offer must say so.
  EXPECT_EQ(h264ProfileLevelId(profile("nvh264enc", {})), "4d001f");
  EXPECT_EQ(h264ProfileLevelId(profile("openh264enc", {})), "42e01f");
}

TEST(CodecOffer, OthersHaveNoH264ParamsAndNoSsrcWhenZero) {
  const auto vp8 = offerCodec(profile("vp8enc", {}), 0);
  EXPECT_EQ(vp8.codec, "VP8");
  EXPECT_EQ(vp8.caps.find("packetization-mode"), std::string::npos);
  EXPECT_EQ(vp8.caps.find("ssrc"), std::string::npos);
  const auto vp9 = offerCodec(profile("vp9enc", {}), 0);
  EXPECT_NE(vp9.caps.find("profile-id=(string)0"), std::string::npos) << vp9.caps;
  EXPECT_EQ(joinCaps({vp8, vp9}), vp8.caps + ";" + vp9.caps);
}

TEST(CodecOffer, PayloadTypesNeverCollide) {
  // AV1 and VP8 both use 96 on their own: the later one moves.
  std::vector<EncoderProfile> p{profile("av1enc", {}), profile("vp8enc", {}), profile("vp9enc", {}),
                                profile("x264enc", {})};
  assignPayloadTypes(p);
  EXPECT_EQ(p[0].payload_type, 96);
  EXPECT_EQ(p[1].payload_type, 97);  // lowest free
  EXPECT_EQ(p[2].payload_type, 98);
  EXPECT_EQ(p[3].payload_type, 99);  // 97 was taken by VP8
  EXPECT_NE(p[1].rtp_caps.find("encoding-name=VP8,payload=97"), std::string::npos) << p[1].rtp_caps;
  EXPECT_NE(p[3].rtp_caps.find("encoding-name=H264,payload=99"), std::string::npos);
}

}  // namespace
}  // namespace ds::media
