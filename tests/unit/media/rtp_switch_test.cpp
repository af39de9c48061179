// Moving a viewer between encodes (pure): where a new encode's packets may begin, and the
// numbering the viewer sees across the move.
#include "media/rtp_switch.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ds::media {
namespace {

bool starts(const std::string& codec, std::vector<uint8_t> payload) {
  return startsKeyframe(codec, payload.data(), payload.size());
}

TEST(RtpSwitch, H264KeyframesBeginWithTheSequenceParameterSet) {
  EXPECT_TRUE(starts("H264", {0x67, 0x42, 0xc0, 0x1f}));               // SPS alone
  EXPECT_TRUE(starts("H264", {0x78, 0x00, 0x04, 0x67, 0x42, 0xc0}));   // STAP-A, SPS first
  EXPECT_FALSE(starts("H264", {0x78, 0x00, 0x04, 0x68, 0xce, 0x38}));  // STAP-A, PPS first
  EXPECT_FALSE(starts("H264", {0x65, 0x88, 0x84}));  // an IDR slice without its SPS before it
  EXPECT_FALSE(starts("H264", {0x7c, 0x85, 0x88}));  // FU-A start of an IDR: no SPS either
  EXPECT_FALSE(starts("H264", {0x41, 0x9a}));        // a P slice
  EXPECT_FALSE(starts("H264", {0x78, 0x00}));        // a STAP-A cut short
  EXPECT_FALSE(starts("H264", {}));
  EXPECT_FALSE(startsKeyframe("H264", nullptr, 4));
}

TEST(RtpSwitch, Vp8KeyframesAreTheFirstPacketOfAKeyFrame) {
  EXPECT_TRUE(starts("VP8", {0x10, 0x00}));                    // S=1, PID 0, P=0
  EXPECT_FALSE(starts("VP8", {0x10, 0x01}));                   // an inter frame
  EXPECT_FALSE(starts("VP8", {0x00, 0x00}));                   // not the start of a partition
  EXPECT_TRUE(starts("VP8", {0x90, 0x80, 0x81, 0x23, 0x00}));  // X, I with a 15-bit picture id
  EXPECT_TRUE(starts("VP8", {0x90, 0xe0, 0x12, 0x05, 0x40, 0x00}));  // X, I (7 bit), L, T
  EXPECT_FALSE(starts("VP8", {0x90, 0x80, 0x81}));                   // the extension cut short
  EXPECT_FALSE(starts("AV1", {0x08, 0x00})) << "no moves for AV1";
  EXPECT_TRUE(switchableCodec("H264"));
  EXPECT_TRUE(switchableCodec("VP8"));
  EXPECT_TRUE(switchableCodec("H265"));
  EXPECT_TRUE(switchableCodec("VP9"));
  EXPECT_FALSE(switchableCodec("AV1"));
}

TEST(RtpSwitch, H265KeyframesBeginWithTheirParameterSets) {
  EXPECT_TRUE(starts("H265", {0x40, 0x01, 0x0c}));   // VPS alone (type 32)
  EXPECT_FALSE(starts("H265", {0x42, 0x01, 0x01}));  // SPS alone (33): after its VPS
  // Aggregation packet (type 48), first unit 24 bytes, a VPS.
  EXPECT_TRUE(starts("H265", {0x60, 0x01, 0x00, 0x18, 0x40, 0x01}));
  EXPECT_FALSE(starts("H265", {0x60, 0x01, 0x00, 0x18, 0x44, 0x01}));  // AP, PPS (34) first
  EXPECT_FALSE(starts("H265", {0x26, 0x01, 0xaf}));  // an IDR_W_RADL slice (19) alone
  EXPECT_FALSE(starts("H265", {0x62, 0x01, 0x93}));  // fragmentation unit (49) of an IDR
  EXPECT_FALSE(starts("H265", {0x02, 0x01, 0xd0}));  // a trailing picture (1)
  EXPECT_FALSE(starts("H265", {0x60, 0x01, 0x00}));  // an AP cut short
  EXPECT_FALSE(starts("H265", {0x40}));
}

TEST(RtpSwitch, Vp9KeyframesAreTheFirstPacketOfANonPredictedFrame) {
  EXPECT_TRUE(starts("VP9", {0x0a, 0x00}));   // B, V: a key frame with its structure
  EXPECT_TRUE(starts("VP9", {0x8a, 0x12}));   // I (picture id), B, V
  EXPECT_FALSE(starts("VP9", {0x48, 0x00}));  // P, B: an inter frame's first packet
  EXPECT_FALSE(starts("VP9", {0x02, 0x00}));  // a key frame's later packet (no B)
  EXPECT_FALSE(starts("VP9", {0x04, 0x00}));  // E only: the end of a frame
  EXPECT_FALSE(starts("VP9", {}));
}

TEST(RtpSwitch, NumbersRunOnAcrossAMoveAndTheNewEncodeStartsAtAKeyframe) {
  RtpSwitch s;
  EXPECT_EQ(s.onPacket(100, false).seq, 100);  // the first encode as it is
  EXPECT_EQ(s.onPacket(101, false).seq, 101);
  EXPECT_FALSE(s.renumbering());
  s.switched();
  EXPECT_TRUE(s.waiting());
  EXPECT_FALSE(s.onPacket(5000, false).pass) << "mid-picture of the new encode";
  EXPECT_FALSE(s.onPacket(5001, false).pass);
  const auto first = s.onPacket(5002, true);
  EXPECT_TRUE(first.pass);
  EXPECT_EQ(first.seq, 102) << "on from the last one sent";
  EXPECT_EQ(s.onPacket(5003, false).seq, 103);
  EXPECT_TRUE(s.renumbering());
  EXPECT_EQ(s.dropped(), 2u);
  // Back, across the 16-bit wrap.
  s.switched();
  EXPECT_EQ(s.onPacket(65535, true).seq, 104);
  EXPECT_EQ(s.onPacket(0, false).seq, 105);
  EXPECT_EQ(s.onPacket(1, false).seq, 106);
}

TEST(RtpSwitch, AMoveBeforeAnyPacketKeepsTheNewEncodesNumbers) {
  RtpSwitch s;
  s.switched();
  EXPECT_FALSE(s.onPacket(7, false).pass);
  EXPECT_EQ(s.onPacket(8, true).seq, 8);
  EXPECT_FALSE(s.renumbering());
}

}  // namespace
}  // namespace ds::media
