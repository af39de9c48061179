// Cursor conversion without X: premultiplied ARGB → PNG, scaling, transparency.
#include <gtest/gtest.h>
#include <png.h>

#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "input/detail/cursor_image.hpp"
#include "unit/input/png_reader.hpp"

namespace ds::input::detail {
namespace {

CursorImage square(int size, uint32_t argb) {
  CursorImage image;
  image.width = image.height = size;
  image.xhot = 2;
  image.yhot = 4;
  image.serial = 7;
  image.argb.assign(static_cast<size_t>(size) * size, argb);
  return image;
}

TEST(InputCursor, EncodesPngWithStraightAlpha) {
  // 50% alpha premultiplied red: 0x80 alpha, red 0x80 → straight red 0xff.
  auto json = cursorJson(square(8, 0x80800000u), -1);
  ASSERT_TRUE(json.has_value());
  auto msg = nlohmann::json::parse(*json);
  EXPECT_EQ(msg["type"], "cursor");
  EXPECT_EQ(msg["data"]["handle"], 7);
  EXPECT_TRUE(msg["data"]["override"].is_null());
  EXPECT_EQ(msg["data"]["hotspot"]["x"], 2);
  auto png = base64Decode(msg["data"]["curdata"].get<std::string>());
  ASSERT_TRUE(png.has_value());
  auto decoded = ds::input::test::decodePng(*png);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->width, 8);
  EXPECT_EQ(decoded->height, 8);
  EXPECT_EQ(decoded->rgba[0], 0xff);
  EXPECT_EQ(decoded->rgba[1], 0x00);
  EXPECT_EQ(decoded->rgba[3], 0x80);
}

TEST(InputCursor, ScalesToCursorSize) {
  auto json = cursorJson(square(16, 0xff00ff00u), 32);
  ASSERT_TRUE(json.has_value());
  auto msg = nlohmann::json::parse(*json);
  EXPECT_EQ(msg["data"]["hotspot"]["x"], 4);
  EXPECT_EQ(msg["data"]["hotspot"]["y"], 8);
  auto decoded =
      ds::input::test::decodePng(*base64Decode(msg["data"]["curdata"].get<std::string>()));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->width, 32);
  EXPECT_EQ(decoded->rgba[1], 0xff);  // green survives bilinear scaling of a flat image
}

TEST(InputCursor, TransparentCursorOverridesNone) {
  auto msg = nlohmann::json::parse(*cursorJson(square(4, 0), -1));
  EXPECT_EQ(msg["data"]["override"], "none");
}

TEST(InputCursor, RejectsEmptyImages) {
  CursorImage empty;
  EXPECT_FALSE(cursorJson(empty, -1).has_value());
  EXPECT_FALSE(encodePng({}, 0, 0).has_value());
}

}  // namespace
}  // namespace ds::input::detail
