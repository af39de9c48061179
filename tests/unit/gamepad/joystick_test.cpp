// The interposer's wire format and Selkies' gamepad mapping, byte for byte. Reference values
// are Selkies 1.6.2's formulas evaluated in Python (round() halves to even).
#include "gamepad/joystick.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace ds::gamepad {
namespace {

uint16_t u16(const uint8_t* at) {
  uint16_t v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

TEST(GamepadWire, ConfigRecordLayout) {
  const auto bytes = encodeConfig(xpadDevice());
  ASSERT_EQ(bytes.size(), 1348u);  // sizeof(js_config_t) in the interposer
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data())), "Selkies Controller");
  for (size_t i = 18; i < 256; ++i) EXPECT_EQ(bytes[i], 0) << i;  // NUL-padded name + padding
  EXPECT_EQ(u16(&bytes[256]), 11);                                // buttons
  EXPECT_EQ(u16(&bytes[258]), 8);                                 // axes
  const uint16_t buttons[] = {0x130, 0x131, 0x133, 0x134, 0x136, 0x137,
                              0x13a, 0x13b, 0x13c, 0x13d, 0x13e};
  for (size_t i = 0; i < 11; ++i) EXPECT_EQ(u16(&bytes[260 + 2 * i]), buttons[i]) << i;
  for (size_t i = 11; i < 512; ++i) EXPECT_EQ(u16(&bytes[260 + 2 * i]), 0) << i;
  const uint8_t axes[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x11};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(bytes[1284 + i], axes[i]) << i;
  for (size_t i = 8; i < 64; ++i) EXPECT_EQ(bytes[1284 + i], 0) << i;
}

TEST(GamepadWire, LongNameIsCutAt255BytesWithoutTerminator) {
  DeviceConfig d{std::string(300, 'n'), {1}, {2}};
  const auto bytes = encodeConfig(d);
  for (size_t i = 0; i < 255; ++i) EXPECT_EQ(bytes[i], 'n');
  EXPECT_EQ(bytes[255], 0);  // the alignment byte
  EXPECT_EQ(u16(&bytes[256]), 1);
}

TEST(GamepadWire, EventRecord) {
  const auto bytes = encodeEvent({EventType::kAxis, 5, -32767}, 123456789);
  ASSERT_EQ(bytes.size(), 8u);  // sizeof(struct js_event)
  uint32_t time;
  int16_t value;
  std::memcpy(&time, &bytes[0], 4);
  std::memcpy(&value, &bytes[4], 2);
  EXPECT_EQ(time, 123456789u);
  EXPECT_EQ(value, -32767);
  EXPECT_EQ(bytes[6], 0x02);  // JS_EVENT_AXIS
  EXPECT_EQ(bytes[7], 5);
  EXPECT_EQ(encodeEvent({EventType::kButton, 3, 1}, 0)[6], 0x01);  // JS_EVENT_BUTTON
  // Wall-clock milliseconds modulo 10^9.
  EXPECT_EQ(eventTime(1'700'000'123'456'789), 123'456u);
  EXPECT_EQ(eventTime(999'999'999'999), 999'999'999u);
}

JsEvent button(int n, double v) {
  auto e = mapButton(n, v);
  EXPECT_TRUE(e) << n << " " << v << ": " << (e ? "" : e.error().message);
  return e ? *e : JsEvent{};
}
JsEvent axis(int n, double v) {
  auto e = mapAxis(n, v);
  EXPECT_TRUE(e) << n << " " << v << ": " << (e ? "" : e.error().message);
  return e ? *e : JsEvent{};
}

TEST(GamepadMapping, ButtonsKeepOrMoveTheirNumber) {
  for (int b = 0; b <= 5; ++b)
    EXPECT_EQ(button(b, 1), (JsEvent{EventType::kButton, uint8_t(b), 1}));
  EXPECT_EQ(button(8, 1), (JsEvent{EventType::kButton, 6, 1}));     // select -> BTN_SELECT
  EXPECT_EQ(button(9, 1), (JsEvent{EventType::kButton, 7, 1}));     // start -> BTN_START
  EXPECT_EQ(button(10, 1), (JsEvent{EventType::kButton, 9, 1}));    // L3 -> BTN_THUMBL
  EXPECT_EQ(button(11, 0), (JsEvent{EventType::kButton, 10, 0}));   // R3 -> BTN_THUMBR
  EXPECT_EQ(button(16, 1), (JsEvent{EventType::kButton, 8, 1}));    // guide -> BTN_MODE
  EXPECT_EQ(button(0, 0.99), (JsEvent{EventType::kButton, 0, 0}));  // int(): toward zero
  EXPECT_EQ(button(0, -0.5), (JsEvent{EventType::kButton, 0, 0}));
}

TEST(GamepadMapping, TriggersAndDpadBecomeAxes) {
  EXPECT_EQ(button(6, 0), (JsEvent{EventType::kAxis, 2, -32767}));  // L2 released
  EXPECT_EQ(button(6, 1), (JsEvent{EventType::kAxis, 2, 32767}));
  EXPECT_EQ(button(7, 0.5), (JsEvent{EventType::kAxis, 5, 0}));
  EXPECT_EQ(button(7, 0.25), (JsEvent{EventType::kAxis, 5, -16383}));  // 16383.5 -> 16384
  EXPECT_EQ(button(15, 1), (JsEvent{EventType::kAxis, 6, 32767}));     // right
  EXPECT_EQ(button(14, 1), (JsEvent{EventType::kAxis, 6, -32767}));    // left
  EXPECT_EQ(button(14, 0), (JsEvent{EventType::kAxis, 6, 0}));
  EXPECT_EQ(button(13, 1), (JsEvent{EventType::kAxis, 7, 32767}));   // down
  EXPECT_EQ(button(12, 1), (JsEvent{EventType::kAxis, 7, -32767}));  // up
}

TEST(GamepadMapping, Axes) {
  EXPECT_EQ(axis(0, -1), (JsEvent{EventType::kAxis, 0, -32767}));
  EXPECT_EQ(axis(1, 1), (JsEvent{EventType::kAxis, 1, 32767}));
  EXPECT_EQ(axis(2, 0.5), (JsEvent{EventType::kAxis, 3, 16384}));  // right stick X -> ABS_RX
  EXPECT_EQ(axis(3, -0.5), (JsEvent{EventType::kAxis, 4, -16384}));
  EXPECT_EQ(axis(0, 0.25), (JsEvent{EventType::kAxis, 0, 8192}));
  EXPECT_EQ(axis(0, 0.123456), (JsEvent{EventType::kAxis, 0, 4045}));
  EXPECT_EQ(axis(1, -0.7071067811865476), (JsEvent{EventType::kAxis, 1, -23170}));
  EXPECT_EQ(axis(0, 1.00001), (JsEvent{EventType::kAxis, 0, 32767}));  // still fits
  EXPECT_EQ(axis(4, 1), (JsEvent{EventType::kAxis, 4, 32767}));        // unmapped axes pass through
  EXPECT_EQ(axis(7, 0), (JsEvent{EventType::kAxis, 7, 0}));
}

TEST(GamepadMapping, WhatTheDeviceCannotCarryIsAnError) {
  EXPECT_FALSE(mapButton(17, 1));  // xpad has 11 buttons
  EXPECT_FALSE(mapButton(-1, 1));
  EXPECT_FALSE(mapButton(511, 1));
  EXPECT_FALSE(mapAxis(8, 0));  // and 8 axes
  EXPECT_FALSE(mapAxis(-1, 0));
  EXPECT_FALSE(mapAxis(0, 1.0000153));  // 32768 does not fit int16
  EXPECT_FALSE(mapButton(7, 1.00001));  // trigger: 32768
  EXPECT_FALSE(mapButton(6, -1));       // trigger: -98301
  EXPECT_FALSE(mapButton(0, 40000));
  EXPECT_FALSE(mapAxis(0, std::nan("")));
  EXPECT_FALSE(mapButton(0, std::numeric_limits<double>::infinity()));
  EXPECT_EQ(mapAxis(8, 0).error().message, "axis 8 has no xpad axis (0..7)");
}

TEST(GamepadState, StartsAtRestAndFollowsEvents) {
  DeviceState s;
  auto snap = s.snapshot();
  ASSERT_EQ(snap.size(), 19u);
  for (int i = 0; i < 11; ++i)
    EXPECT_EQ(snap[size_t(i)], (JsEvent{EventType::kButton, uint8_t(i), 0}));
  const int16_t rest[] = {0, 0, -32767, 0, 0, -32767, 0, 0};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(snap[size_t(11 + i)], (JsEvent{EventType::kAxis, uint8_t(i), rest[i]}));
  s.apply({EventType::kButton, 3, 1});
  s.apply({EventType::kAxis, 5, 32767});
  s.apply({EventType::kAxis, 200, 1});  // out of range: ignored
  snap = s.snapshot();
  EXPECT_EQ(snap[3].value, 1);
  EXPECT_EQ(snap[11 + 5].value, 32767);
}

}  // namespace
}  // namespace ds::gamepad
