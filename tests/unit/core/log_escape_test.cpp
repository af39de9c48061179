#include <gtest/gtest.h>

#include <string>

#include "core/strings.hpp"

namespace ds {
namespace {

bool hasControlByte(const std::string& s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

TEST(EscapeForLog, PlainTextIsUnchanged) {
  EXPECT_EQ(escapeForLog("GET /index.html from 127.0.0.1"), "GET /index.html from 127.0.0.1");
  EXPECT_EQ(escapeForLog(""), "");
}

TEST(EscapeForLog, LineBreaksCannotForgeALine) {
  const std::string forged = "/x\r\n12:00:00.000 INFO  [auth] ticket for admin exchanged";
  const auto out = escapeForLog(forged);
  EXPECT_EQ(out, "/x\\r\\n12:00:00.000 INFO  [auth] ticket for admin exchanged");
  EXPECT_FALSE(hasControlByte(out));
  EXPECT_EQ(escapeForLog("a\tb"), "a\\tb");
}

TEST(EscapeForLog, TerminalEscapesAndOtherControlsAreHex) {
  EXPECT_EQ(escapeForLog("\x1b[2J\x1b]0;pwned\x07"), "\\x1b[2J\\x1b]0;pwned\\x07");
  EXPECT_EQ(escapeForLog(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escapeForLog("\x7f"), "\\x7f");
}

TEST(EscapeForLog, BackslashIsEscapedSoOutputIsUnambiguous) {
  EXPECT_EQ(escapeForLog("\\n"), "\\\\n");
}

TEST(EscapeForLog, ValidUtf8IsKept) {
  EXPECT_EQ(escapeForLog("Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(EscapeForLog, InvalidUtf8IsHex) {
  EXPECT_EQ(escapeForLog("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escapeForLog("\xc3"), "\\xc3");                             // truncated
  EXPECT_EQ(escapeForLog("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escapeForLog("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // surrogate
  EXPECT_EQ(escapeForLog("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
}

TEST(EscapeForLog, C1ControlsSeparatorsAndBidiOverridesAreEscaped) {
  EXPECT_EQ(escapeForLog("\xc2\x9b"
                         "31m"),
            "\\u009b31m");  // C1 CSI
  EXPECT_EQ(escapeForLog("a\xe2\x80\xa8"
                         "b"),
            "a\\u2028b");  // LINE SEPARATOR
  EXPECT_EQ(escapeForLog("\xe2\x80\xae"
                         "txt.exe"),
            "\\u202etxt.exe");  // RLO
}

TEST(EscapeForLog, NoInputProducesAControlByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_FALSE(hasControlByte(escapeForLog(all)));
  EXPECT_FALSE(hasControlByte(escapeForLog(all + all.substr(0x80) + "\xe2\x80")));
}

}  // namespace
}  // namespace ds
