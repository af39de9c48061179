#include "core/strings.hpp"

#include <gtest/gtest.h>

namespace ds {
namespace {

TEST(Strings, SplitKeepsEmptyFields) {
  const auto parts = split("a,,b,", ',');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[3], "");
}

TEST(Strings, ParseIntRejectsTrailingGarbage) {
  EXPECT_EQ(parseInt("42"), 42);
  EXPECT_EQ(parseInt("-1"), -1);
  EXPECT_FALSE(parseInt("42x"));
  EXPECT_FALSE(parseInt(""));
  EXPECT_FALSE(parseInt("99999999999999999999999"));
}

TEST(Strings, Base64RoundTrip) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"}) {
    const auto enc = base64Encode(s);
    const auto dec = base64Decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(base64Decode("a$bc"));
}

}  // namespace
}  // namespace ds
