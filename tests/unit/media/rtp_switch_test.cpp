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
  EXPECT_FALSE(starts("VP9", {0x10, 0x00})) << "no moves for VP9";
  EXPECT_TRUE(switchableCodec("H264"));
  EXPECT_TRUE(switchableCodec("VP8"));
  EXPECT_FALSE(switchableCodec("H265"));
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
