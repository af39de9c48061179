#include "wsmedia/framing.hpp"

#include <gtest/gtest.h>

namespace ds::wsmedia {
namespace {

TEST(Framing, EncodesTheHeaderBigEndianThenThePayload) {
  FrameHeader h;
  h.kind = Kind::kVideo;
  h.keyframe = true;
  h.codec = Codec::kH264;
  h.seq = 0x01020304;
  h.timestamp_us = 0x1122334455667788ULL;
  h.width = 1920;
  h.height = 1080;
  auto m = encodeFrame(h, "abc");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->size(), kHeaderBytes + 3);
  const std::string expected_header(
      "\x01\x01\x01\x14"
      "\x01\x02\x03\x04"
      "\x11\x22\x33\x44\x55\x66\x77\x88"
      "\x07\x80\x04\x38",
      20);
  EXPECT_EQ(m->substr(0, kHeaderBytes), expected_header);
  EXPECT_EQ(m->substr(kHeaderBytes), "abc");
}

TEST(Framing, RoundTrips) {
  FrameHeader h;
  h.kind = Kind::kAudio;
  h.codec = Codec::kOpus;
  h.seq = 0xffffffff;
  h.timestamp_us = 10'000;
  const std::string payload("\x00\xff\x10", 3);
  auto m = encodeFrame(h, payload);
  ASSERT_TRUE(m);
  auto f = decodeFrame(*m);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->header.kind, Kind::kAudio);
  EXPECT_FALSE(f->header.keyframe);
  EXPECT_EQ(f->header.codec, Codec::kOpus);
  EXPECT_EQ(f->header.seq, 0xffffffffu);
  EXPECT_EQ(f->header.timestamp_us, 10'000u);
  EXPECT_EQ(f->header.width, 0);
  EXPECT_EQ(f->payload, payload);
}

TEST(Framing, AnEmptyPayloadIsAFrame) {
  auto m = encodeFrame(FrameHeader{}, "");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->size(), kHeaderBytes);
  EXPECT_TRUE(decodeFrame(*m));
}

TEST(Framing, RefusesAnOversizePayload) {
  const std::string big(kMaxPayloadBytes + 1, 'x');
  auto m = encodeFrame(FrameHeader{}, big);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("exceeds"), std::string::npos);
}

TEST(Framing, DecodeRefusesMalformedMessages) {
  auto good = encodeFrame(FrameHeader{}, "x");
  ASSERT_TRUE(good);
  EXPECT_FALSE(decodeFrame(good->substr(0, kHeaderBytes - 1)));  // short
  std::string bad_kind = *good;
  bad_kind[0] = 9;
  EXPECT_FALSE(decodeFrame(bad_kind));
  std::string bad_codec = *good;
  bad_codec[2] = 0;
  EXPECT_FALSE(decodeFrame(bad_codec));
  std::string bad_len = *good;
  bad_len[3] = 24;
  EXPECT_FALSE(decodeFrame(bad_len));
}

TEST(Framing, CodecsFromRtpEncodingNames) {
  EXPECT_EQ(*codecFromEncodingName("H264"), Codec::kH264);
  EXPECT_EQ(*codecFromEncodingName("vp8"), Codec::kVp8);
  EXPECT_EQ(*codecFromEncodingName("VP9"), Codec::kVp9);
  EXPECT_EQ(*codecFromEncodingName("H265"), Codec::kH265);
  EXPECT_EQ(*codecFromEncodingName("AV1"), Codec::kAv1);
  EXPECT_EQ(*codecFromEncodingName("OPUS"), Codec::kOpus);
  EXPECT_FALSE(codecFromEncodingName("MP4V-ES"));
  EXPECT_EQ(codecName(Codec::kVp9), "vp9");
}

TEST(Ack, ParsesDecimalSequenceNumbers) {
  EXPECT_EQ(*parseAck("ACK 0"), 0u);
  EXPECT_EQ(*parseAck("ACK 4294967295"), 4294967295u);
  EXPECT_FALSE(parseAck("ACK 4294967296"));
  EXPECT_FALSE(parseAck("ACK "));
  EXPECT_FALSE(parseAck("ACK -1"));
  EXPECT_FALSE(parseAck("ACK 12a"));
  EXPECT_FALSE(parseAck("ACK 99999999999"));
  EXPECT_FALSE(parseAck("ACKS 1"));
  EXPECT_TRUE(isAck("ACK 1"));
  EXPECT_FALSE(isAck("kd,65"));
}

}  // namespace
}  // namespace ds::wsmedia
